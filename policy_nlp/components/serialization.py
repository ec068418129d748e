"""``to_bytes``/``from_bytes`` for components whose state lives in files (weights, tokenizer,
pattern lists): the files their ``to_disk`` writes, packed with msgpack. spaCy's
``Language.to_bytes``/``from_bytes`` (and copying a pipeline) then carry them too."""

from __future__ import annotations

import tempfile
from pathlib import Path

import srsly


class DiskBytesMixin:
    """Adds ``to_bytes``/``from_bytes`` to a component that has ``to_disk``/``from_disk``."""

    def to_bytes(self, *, exclude=tuple()) -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            self.to_disk(tmp, exclude=exclude)
            root = Path(tmp)
            files = {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
        return srsly.msgpack_dumps(files)

    def from_bytes(self, data: bytes, *, exclude=tuple()):
        files = srsly.msgpack_loads(data)
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp).resolve()
            for name, content in files.items():
                target = (root / name).resolve()
                if root not in target.parents:
                    raise ValueError(f"refusing a serialised file outside the component folder: {name!r}")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
            return self.from_disk(root, exclude=exclude)


__all__ = ["DiskBytesMixin"]
