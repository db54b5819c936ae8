"""A trained classifier as bytes (for the database) and back.

Layout: a magic line, a length-prefixed JSON header (target, labels,
temperature, threshold, config, and the library versions it was made with),
then the pickled scikit-learn pipeline. The header is read first, so a blob
from another scikit-learn (or a numpy of another major version) is refused
with a clear message before anything is unpickled: scikit-learn supports
loading a pickle only with the exact version that wrote it, and a silently
mis-loaded model would route tickets wrongly. The pickle holds only
scikit-learn objects; blobs come from the desk's own database, never from
users (unpickling runs code).
"""

from __future__ import annotations

import json
import pickle
import platform
import struct

import numpy as np
import sklearn

from shiftdesk.errors import UserError
from tickets.classify.model import ModelConfig, TicketClassifier

MAGIC = b"SHIFTDESK-CLASSIFIER\n"
FORMAT = 1
_LENGTH = struct.Struct(">I")


class IncompatibleModelError(UserError):
    """A stored model this process cannot load: another format or library version. Retrain it."""


def to_bytes(classifier: TicketClassifier) -> bytes:
    header = {
        "format": FORMAT,
        "target": classifier.target,
        "labels": list(classifier.labels),
        "temperature": classifier.temperature,
        "threshold": classifier.threshold,
        "config": classifier.config.to_dict(),
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }
    encoded = json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return MAGIC + _LENGTH.pack(len(encoded)) + encoded + pickle.dumps(classifier.pipeline, protocol=5)


def read_header(blob: bytes) -> dict[str, object]:
    """The JSON header alone (cheap: nothing is unpickled)."""
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + _LENGTH.size:
        raise IncompatibleModelError("not a ShiftDesk classifier model")
    (length,) = _LENGTH.unpack_from(blob, len(MAGIC))
    start = len(MAGIC) + _LENGTH.size
    try:
        header = json.loads(blob[start:start + length].decode("utf-8"))
    except ValueError as exc:  # also UnicodeDecodeError
        raise IncompatibleModelError(f"damaged ShiftDesk classifier model: {exc}") from exc
    if not isinstance(header, dict):
        raise IncompatibleModelError("damaged ShiftDesk classifier model: the header is not an object")
    return header


def from_bytes(blob: bytes) -> TicketClassifier:
    """Load a classifier, refusing one written by another format or scikit-learn/numpy version."""
    header = read_header(blob)
    _check_compatible(header)
    start = len(MAGIC) + _LENGTH.size + _LENGTH.unpack_from(blob, len(MAGIC))[0]
    return TicketClassifier(
        target=str(header["target"]),
        labels=tuple(header["labels"]),  # type: ignore[arg-type]
        pipeline=pickle.loads(blob[start:]),
        temperature=float(header["temperature"]),  # type: ignore[arg-type]
        threshold=float(header["threshold"]),  # type: ignore[arg-type]
        config=ModelConfig.from_dict(header["config"]),  # type: ignore[arg-type]
    )


def _check_compatible(header: dict[str, object]) -> None:
    target = header.get("target", "?")
    if header.get("format") != FORMAT:
        raise IncompatibleModelError(
            f"the {target} classifier has model format {header.get('format')}, this version reads {FORMAT}: "
            "retrain it (shiftdesk classify train)"
        )
    made_with = str(header.get("sklearn"))
    if made_with != sklearn.__version__:
        raise IncompatibleModelError(
            f"the {target} classifier was saved by scikit-learn {made_with}, this process runs "
            f"{sklearn.__version__}; scikit-learn models load only in the version that saved them: "
            "retrain it (shiftdesk classify train)"
        )
    numpy_major = str(header.get("numpy")).split(".")[0]
    if numpy_major != np.__version__.split(".")[0]:
        raise IncompatibleModelError(
            f"the {target} classifier was saved with numpy {header.get('numpy')}, this process runs "
            f"{np.__version__}: retrain it (shiftdesk classify train)"
        )
