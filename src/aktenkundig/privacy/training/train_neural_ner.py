"""Train the neural name tagger (``data/ner_de_bilstm.onnx``) and score it.

    nice -n 10 python -m aktenkundig.privacy.training.train_neural_ner [--folds 3] [--context K]

Needs the ``train`` extra (``torch``; inference needs only onnxruntime) and
``../shared/data/ner/``. Input: the training part of GermEval 2014 dev and German
Legal NER dev (the held-out part in :mod:`corpora` is never seen), one name-swapped
copy of each sentence with a person or place (:func:`train_ner.augmented`) and
generated administrative sentences (:mod:`admin_texts`).

``--folds K`` first runs K-fold cross-validation over the training part (GermEval by
index, Legal NER in contiguous blocks, because names recur within a decision) for
the neural tagger, the CRF retrained per fold, and their union for persons; this is
what the shipped combination is chosen by, never the held-out scores.

``--context K``: the word vectors include e5's hidden states after its first K layers
(:class:`neural_ner.SentenceVectors`; 0 = the static input embeddings alone). The e5
layers are frozen: their features are computed once per sentence, only the BiLSTM head
is trained.

One thread (torch.set_num_threads(1)): the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from aktenkundig.privacy import ner, neural_ner
from aktenkundig.privacy.training import admin_texts, corpora, train_ner

SEED = 20141
TAG_INDEX = {t: i for i, t in enumerate(neural_ner.TAGS)}


def build_model(n_chars: int, dim: int, hidden: int = 128):
    import torch
    from torch import nn

    class Tagger(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.char_emb = nn.Embedding(n_chars, 24, padding_idx=0)
            self.char_conv = nn.Conv1d(24, 48, 3, padding=1)
            self.proj = nn.Linear(dim, 160)
            self.drop_in = nn.Dropout(0.5)
            self.lstm = nn.LSTM(
                160 + 48 + neural_ner.N_FEATURES, hidden, batch_first=True, bidirectional=True
            )
            self.drop_out = nn.Dropout(0.3)
            self.out = nn.Linear(2 * hidden, len(neural_ner.TAGS))

        def features(self, vectors, flags, chars):
            b, t, c = chars.shape
            ch = self.char_emb(chars.reshape(b * t, c)).transpose(1, 2)
            ch = torch.relu(self.char_conv(ch)).max(dim=2).values.reshape(b, t, -1)
            return self.drop_in(torch.cat([torch.tanh(self.proj(vectors)), ch, flags], dim=-1))

        def logits(self, vectors, flags, chars, lengths):
            x = self.features(vectors, flags, chars)
            packed = nn.utils.rnn.pack_padded_sequence(
                x, lengths, batch_first=True, enforce_sorted=False
            )
            h, _ = self.lstm(packed)
            h, _ = nn.utils.rnn.pad_packed_sequence(h, batch_first=True, total_length=x.shape[1])
            return self.out(self.drop_out(h))

        def forward(self, vectors, flags, chars):
            # Export path: all sentences of the batch have the same length.
            h, _ = self.lstm(self.features(vectors, flags, chars))
            return torch.softmax(self.out(h), dim=-1)

    return Tagger()


class Encoded:
    """Sentences turned into arrays once (the word vectors are the costly part)."""

    def __init__(self, sentences: list[corpora.Sentence], vectors, alphabet) -> None:
        self.sentences = sentences
        # All sentences at once: the e5 layers (``--context``) run in batches by length.
        word_vectors = vectors([s.words for s in sentences])
        self.items = [
            (
                v,
                neural_ner.word_features(s.words),
                neural_ner.char_ids(s.words, alphabet),
                np.array([TAG_INDEX[t] for t in s.tags], dtype=np.int64),
            )
            for s, v in zip(sentences, word_vectors, strict=True)
        ]


def _batches(items, size: int, rng: random.Random):
    order = sorted(range(len(items)), key=lambda i: (len(items[i][3]), rng.random()))
    chunks = [order[i : i + size] for i in range(0, len(order), size)]
    rng.shuffle(chunks)
    return chunks


def _collate(items, idx):
    import torch

    length = max(len(items[i][3]) for i in idx)
    dim = items[idx[0]][0].shape[1]
    b = len(idx)
    vectors = np.zeros((b, length, dim), np.float32)
    flags = np.zeros((b, length, neural_ner.N_FEATURES), np.float32)
    chars = np.zeros((b, length, neural_ner.MAX_CHARS), np.int64)
    gold = np.full((b, length), -100, np.int64)
    lengths = []
    for row, i in enumerate(idx):
        v, f, c, g = items[i]
        n = len(g)
        vectors[row, :n], flags[row, :n], chars[row, :n], gold[row, :n] = v, f, c, g
        lengths.append(n)
    return (
        torch.from_numpy(vectors),
        torch.from_numpy(flags),
        torch.from_numpy(chars),
        torch.tensor(lengths),
        torch.from_numpy(gold),
    )


def train(encoded: Encoded, n_chars: int, dim: int, epochs: int, log=print):
    import torch

    torch.manual_seed(SEED)
    rng = random.Random(SEED)  # noqa: S311 -- reproducible shuffling
    model = build_model(n_chars, dim)
    optimiser = torch.optim.Adam(model.parameters(), lr=2e-3)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100)
    for epoch in range(epochs):
        model.train()
        started, total = time.monotonic(), 0.0
        for idx in _batches(encoded.items, 32, rng):
            vectors, flags, chars, lengths, gold = _collate(encoded.items, idx)
            logits = model.logits(vectors, flags, chars, lengths)
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), gold.reshape(-1))
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimiser.step()
            total += float(loss.detach())
        log(f"  epoch {epoch + 1}: loss {total:.1f} ({time.monotonic() - started:.0f}s)")
    model.eval()
    return model


def predict(model, encoded: Encoded) -> list[np.ndarray]:
    """Tag probabilities per sentence (the export path: one sentence, no padding)."""
    import torch

    out = []
    with torch.no_grad():
        for v, f, c, _g in encoded.items:
            probs = model(
                torch.from_numpy(v)[None], torch.from_numpy(f)[None], torch.from_numpy(c)[None]
            )[0].numpy()
            out.append(probs)
    return out


class Score:
    def __init__(self) -> None:
        self.tp: Counter[str] = Counter()
        self.fp: Counter[str] = Counter()
        self.fn: Counter[str] = Counter()

    def add(self, gold_tags, spans) -> None:
        gold = {(s.label, s.start, s.end) for s in ner.bio_spans(gold_tags)}
        pred = {(s.label, s.start, s.end) for s in spans}
        for label, *_ in pred & gold:
            self.tp[label] += 1
        for label, *_ in pred - gold:
            self.fp[label] += 1
        for label, *_ in gold - pred:
            self.fn[label] += 1

    def prf(self, label: str) -> tuple[float, float, float]:
        tp, fp, fn = self.tp[label], self.fp[label], self.fn[label]
        p = tp / max(1, tp + fp)
        r = tp / max(1, tp + fn)
        return p, r, 2 * p * r / max(1e-9, p + r)


THRESHOLDS = (0.0, 0.6, 0.8, 0.9)


def score_systems(sentences, neural_probs, crf_spans, thresholds=(0.0,)) -> dict[str, Score]:
    """CRF alone; neural alone and the union, decoded by argmax or constrained Viterbi
    (:func:`neural_ner.decode`), neural spans kept from a minimum span score on."""
    scores = {"crf": Score(), "combined": Score()}
    floors = [t for t in thresholds if t != neural_ner.MIN_SCORE]
    scores.update({f"combined@{t:g}": Score() for t in floors})
    for s, p, c in zip(sentences, neural_probs, crf_spans, strict=True):
        scores["crf"].add(s.tags, c)
        neural = neural_ner.decode(p, neural_ner.VITERBI, s.words if neural_ner.CLEAN else None)
        scores["combined"].add(s.tags, neural_ner.combine(neural, c, neural_ner.MIN_SCORE))
        for t in floors:  # the shipped combination with another span score floor
            scores[f"combined@{t:g}"].add(s.tags, neural_ner.combine(neural, c, t))
    for viterbi, tidy in ((False, False), (True, False), (True, True)):
        decoded = [
            neural_ner.decode(p, viterbi, s.words if tidy else None)
            for p, s in zip(neural_probs, sentences, strict=True)
        ]
        for t in thresholds:
            neural, union = Score(), Score()
            for s, n, c in zip(sentences, decoded, crf_spans, strict=True):
                kept = [span for span in n if span.score >= t]
                neural.add(s.tags, kept)
                union.add(s.tags, neural_ner.union_persons(kept, c))
            suffix = ("-viterbi" if viterbi else "-argmax") + ("+clean" if tidy else "")
            suffix += f"@{t:g}" if t else ""
            scores["neural" + suffix] = neural
            scores["union" + suffix] = union
    return scores


def training_data(
    sentences: list[corpora.Sentence], admin: int, copies: int = 1
) -> list[corpora.Sentence]:
    rng = random.Random(SEED)  # noqa: S311
    out = list(sentences)
    for s in sentences:
        for _ in range(copies):
            extra = train_ner.augmented(s, rng)
            if extra is not None:
                out.append(extra)
    out.extend(admin_texts.generate(admin))
    return out


def alphabet_of(sentences) -> list[str]:
    counts = Counter(c for s in sentences for w in s.words for c in w)
    return sorted(c for c, n in counts.items() if n >= 3)


def crf_model(sentences, path: Path) -> ner.CrfTagger:
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for s in sentences:
        trainer.append(ner.sentence_features(s.words), s.tags)
    trainer.set_params(
        {"c1": 0.05, "c2": 0.02, "max_iterations": 100, "feature.possible_transitions": True}
    )
    trainer.train(str(path))
    return ner.CrfTagger(path)


def cross_validate(
    folds: int, epochs: int, admin: int, copies: int, vectors, dump: Path | None = None
) -> None:
    import tempfile

    germeval, _ = corpora.split_germeval(corpora.read_germeval())
    legal, _ = corpora.split_legal(corpora.read_legal())
    results: dict[str, dict[str, list]] = {}
    for k in range(folds):
        g_test = [s for i, s in enumerate(germeval) if i % folds == k]
        g_train = [s for i, s in enumerate(germeval) if i % folds != k]
        lo, hi = len(legal) * k // folds, len(legal) * (k + 1) // folds
        l_test, l_train = legal[lo:hi], legal[:lo] + legal[hi:]
        train_sents = training_data(g_train + l_train, admin, copies)
        alphabet = {c: i + 2 for i, c in enumerate(alphabet_of(train_sents))}
        model = train(
            Encoded(train_sents, vectors, alphabet),
            len(alphabet) + 2,
            vectors.dim,
            epochs,
            log=lambda m: print(m, file=sys.stderr),
        )
        with tempfile.TemporaryDirectory() as tmp:
            crf = crf_model(g_train + l_train, Path(tmp) / "crf")
            for name, test in (("germeval", g_test), ("legal", l_test)):
                neural_probs = predict(model, Encoded(test, vectors, alphabet))
                crf_spans = [crf.tag(s.words) for s in test]
                if dump:
                    with open(dump / f"fold{k}-{name}.pkl", "wb") as handle:
                        pickle.dump((test, neural_probs, crf_spans), handle)
                systems = score_systems(test, neural_probs, crf_spans, THRESHOLDS)
                for system, score in systems.items():
                    for label in ("PER", "LOC", "ORG"):
                        key = f"{name} {system} {label}"
                        results.setdefault(key, {"p": [], "r": [], "f": []})
                        p, r, f = score.prf(label)
                        results[key]["p"].append(p)
                        results[key]["r"].append(r)
                        results[key]["f"].append(f)
        print(f"fold {k + 1}/{folds} done", file=sys.stderr)
    print(
        f"\n{folds}-fold cross-validation over the training part (mean ± std over folds), "
        f"e5 context layers: {vectors.layers}\n"
    )
    print("| split | system | class | P | R | F1 |\n|---|---|---|---|---|---|")
    for key, values in results.items():
        split, system, label = key.split()
        cells = " | ".join(
            f"{np.mean(values[m]):.3f} ± {np.std(values[m]):.3f}" for m in ("p", "r", "f")
        )
        print(f"| {split} | {system} | {label} | {cells} |")


def export(model, alphabet: list[str], dim: int, out: Path, context_layers: int = 0) -> None:
    import onnx
    import torch

    tmp = out.with_suffix(".tmp")
    example = (
        torch.zeros(2, 5, dim),
        torch.zeros(2, 5, neural_ner.N_FEATURES),
        torch.zeros(2, 5, neural_ner.MAX_CHARS, dtype=torch.int64),
    )
    torch.onnx.export(
        model,
        example,
        str(tmp),
        dynamo=False,
        input_names=["vectors", "flags", "chars"],
        output_names=["probs"],
        dynamic_axes={
            "vectors": {0: "batch", 1: "words"},
            "flags": {0: "batch", 1: "words"},
            "chars": {0: "batch", 1: "words"},
            "probs": {0: "batch", 1: "words"},
        },
        opset_version=17,
    )
    graph = onnx.load(str(tmp))
    entry = graph.metadata_props.add()
    entry.key, entry.value = "alphabet", json.dumps(alphabet, ensure_ascii=False)
    entry = graph.metadata_props.add()
    entry.key, entry.value = "tags", json.dumps(neural_ner.TAGS)
    entry = graph.metadata_props.add()
    entry.key, entry.value = "context_layers", str(context_layers)
    onnx.save(graph, str(tmp))
    tmp.replace(out)


def main(argv: list[str] | None = None) -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--admin", type=int, default=2000, help="generated admin sentences")
    parser.add_argument(
        "--copies", type=int, default=1, help="name-swapped copies per sentence with names"
    )
    parser.add_argument("--folds", type=int, default=0, help="cross-validate first (K folds)")
    parser.add_argument("--dump", type=Path, help="keep fold predictions here (pickle)")
    parser.add_argument("--no-train", action="store_true", help="only cross-validate")
    parser.add_argument("--out", type=Path, default=neural_ner.MODEL_PATH)
    parser.add_argument(
        "--context",
        type=int,
        default=neural_ner.CONTEXT_LAYERS,
        help="e5 transformer layers run over the sentence for contextual word features "
        "(0 = static input embeddings only)",
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    vectors = neural_ner.SentenceVectors(args.context)
    if args.folds:
        cross_validate(args.folds, args.epochs, args.admin, args.copies, vectors, args.dump)
    if args.no_train:
        return
    sentences = training_data(list(corpora.training_sentences()), args.admin, args.copies)
    chars = alphabet_of(sentences)
    alphabet = {c: i + 2 for i, c in enumerate(chars)}
    started = time.monotonic()
    model = train(
        Encoded(sentences, vectors, alphabet),
        len(chars) + 2,
        vectors.dim,
        args.epochs,
        log=lambda m: print(m, file=sys.stderr),
    )
    export(model, chars, vectors.dim, args.out, args.context)
    print(
        f"trained on {len(sentences)} sentences in {time.monotonic() - started:.0f}s -> "
        f"{args.out} ({args.out.stat().st_size / 1e6:.1f} MB)",
        file=sys.stderr,
    )
    tagger = neural_ner.NeuralTagger(args.out)
    crf = ner.default_tagger()
    for name, sentences in corpora.held_out().items():
        neural_probs = [tagger.probabilities([s.words])[0] for s in sentences]
        crf_spans = [crf.tag(s.words) for s in sentences]
        for system, score in score_systems(sentences, neural_probs, crf_spans).items():
            cells = ", ".join(
                f"{label} " + "/".join(f"{v:.3f}" for v in score.prf(label))
                for label in ("PER", "LOC", "ORG")
            )
            print(f"held-out {name} {system}: {cells}")


if __name__ == "__main__":
    main()
