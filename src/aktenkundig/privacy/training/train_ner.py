"""Retrain the shipped German NER model and rebuild its gazetteers.

    python -m aktenkundig.privacy.training.train_ner [--gazetteers]

Input: ``../shared/data/ner/germeval2014-dev.tsv`` (GermEval 2014, CC BY 4.0) and
``../shared/data/ner/legal-ner-dev.conll`` (German Legal NER, CC BY 4.0), minus
the held-out part defined in :mod:`corpora` (the benchmark scores only that part).

``--gazetteers`` first rewrites ``data/first_names.txt``, ``data/surnames.txt``
and ``data/places.txt`` from the German-language locales of Faker (MIT licence;
``pip install faker``, needed only here). The gazetteers are deliberately not
taken from the training corpora: a name list learnt from the training sentences
would make the model trust the list more than it deserves on unseen text.

Output: ``data/ner_de.crfsuite`` (a few MB) and the held-out scores on stdout.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from aktenkundig.privacy import ner
from aktenkundig.privacy.training import corpora

FAKER_LOCALES = ("de_DE", "de_AT", "de_CH")


def build_gazetteers(out_dir: Path = ner.DATA_DIR) -> None:
    import importlib

    first: set[str] = set()
    last: set[str] = set()
    places: set[str] = set()
    for locale in FAKER_LOCALES:
        person = importlib.import_module(f"faker.providers.person.{locale}").Provider
        address = importlib.import_module(f"faker.providers.address.{locale}").Provider
        for attr in ("first_names", "first_names_male", "first_names_female"):
            first.update(getattr(person, attr, ()))
        last.update(person.last_names)
        for attr in ("cities", "states", "municipality_key"):
            value = getattr(address, attr, ())
            if isinstance(value, (list, tuple)):
                places.update(v for v in value if isinstance(v, str))
    # Multi-word places ("Frankfurt am Main") contribute their first word only when
    # it is itself distinctive; the tagger sees single tokens.
    place_words = {p.split()[0].rstrip(",") for p in places}
    header = "# derived from Faker (MIT) locales {} by train_ner.py\n"
    for name, words in (
        ("first_names.txt", first),
        ("surnames.txt", last),
        ("places.txt", place_words),
    ):
        clean = sorted({w.strip() for w in words if w.strip() and len(w.strip()) > 1})
        (out_dir / name).write_text(
            header.format(",".join(FAKER_LOCALES)) + "\n".join(clean) + "\n", encoding="utf-8"
        )
        print(f"{name}: {len(clean)} entries", file=sys.stderr)
    ner._wordlist.cache_clear()
    ner._token_features_cached.cache_clear()
    ner._context_features_cached.cache_clear()


def evaluate(tagger: ner.CrfTagger, sentences: list[corpora.Sentence]) -> dict[str, tuple]:
    from collections import Counter

    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for sentence in sentences:
        gold = {(s.label, s.start, s.end) for s in ner.bio_spans(sentence.tags)}
        pred = {(s.label, s.start, s.end) for s in tagger.tag(sentence.words)}
        for label, *_ in pred & gold:
            tp[label] += 1
        for label, *_ in pred - gold:
            fp[label] += 1
        for label, *_ in gold - pred:
            fn[label] += 1
    scores = {}
    for label in ("PER", "LOC", "ORG"):
        p = tp[label] / max(1, tp[label] + fp[label])
        r = tp[label] / max(1, tp[label] + fn[label])
        f = 2 * p * r / max(1e-9, p + r)
        scores[label] = (round(p, 3), round(r, 3), round(f, 3))
    return scores


def augmented(sentence: corpora.Sentence, rng) -> corpora.Sentence | None:
    """A copy of ``sentence`` with every person and place swapped for a random one.

    The corpora are small, so the model would otherwise learn the few hundred
    names it saw; swapping them teaches it the contexts names stand in instead.
    """
    spans = [s for s in ner.bio_spans(sentence.tags) if s.label in {"PER", "LOC"}]
    if not spans:
        return None
    firsts = sorted(ner.first_names())
    lasts = sorted(ner.surnames())
    places = sorted(ner.places())
    words, tags = list(sentence.words), list(sentence.tags)
    for span in reversed(spans):
        if span.label == "PER":
            if span.end - span.start >= 2:
                new = [rng.choice(firsts).title(), rng.choice(lasts).title()]
            else:
                new = [rng.choice(lasts).title()]
        else:
            new = [rng.choice(places).title()]
        label = span.label
        words[span.start : span.end] = new
        tags[span.start : span.end] = [f"B-{label}"] + [f"I-{label}"] * (len(new) - 1)
    return corpora.Sentence(words, tags, tags)


def train(
    out: Path = ner.MODEL_PATH,
    c1: float = 0.05,
    c2: float = 0.02,
    iterations: int = 150,
    copies: int = 2,
):
    import random

    import pycrfsuite

    rng = random.Random(20140)  # noqa: S311 -- reproducible augmentation, not crypto
    trainer = pycrfsuite.Trainer(verbose=False)
    count = 0
    for sentence in corpora.training_sentences():
        trainer.append(ner.sentence_features(sentence.words), sentence.tags)
        count += 1
        for _ in range(copies):
            extra = augmented(sentence, rng)
            if extra is not None:
                trainer.append(ner.sentence_features(extra.words), extra.tags)
                count += 1
    trainer.set_params(
        {
            "c1": c1,
            "c2": c2,
            "max_iterations": iterations,
            "feature.possible_transitions": True,
            "feature.minfreq": 1,
        }
    )
    started = time.monotonic()
    tmp = out.with_suffix(".tmp")
    trainer.train(str(tmp))
    tmp.replace(out)
    print(
        f"trained on {count} sentences in {time.monotonic() - started:.0f}s -> {out} "
        f"({out.stat().st_size / 1e6:.1f} MB)",
        file=sys.stderr,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gazetteers", action="store_true", help="rebuild gazetteers first")
    parser.add_argument("--c1", type=float, default=0.05)
    parser.add_argument("--c2", type=float, default=0.02)
    parser.add_argument("--iterations", type=int, default=150)
    parser.add_argument("--copies", type=int, default=2, help="name-swapped copies")
    parser.add_argument("--out", type=Path, default=ner.MODEL_PATH)
    args = parser.parse_args(argv)
    if args.gazetteers:
        build_gazetteers()
    train(args.out, args.c1, args.c2, args.iterations, args.copies)
    tagger = ner.CrfTagger(args.out)
    for name, sentences in corpora.held_out().items():
        print(name, evaluate(tagger, sentences))


if __name__ == "__main__":
    main()
