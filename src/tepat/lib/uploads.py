"""An uploaded file (Django's UploadedFile, any binary file object) or a path, as a path on
disk that the file readers can open."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import IO


def upload_as_path(path_or_file: Path | str | IO[bytes], file_name: str, workdir: Path) -> Path:
    """A path as it is; a file object written into `workdir`, keeping the name's extension
    (the readers choose xlsx or csv by it)."""
    if isinstance(path_or_file, (str, Path)):
        return Path(path_or_file)
    target = workdir / ("upload" + Path(file_name).suffix.lower()[:8])
    if hasattr(path_or_file, "seek"):
        path_or_file.seek(0)
    with target.open("wb") as out:
        chunks = getattr(path_or_file, "chunks", None)
        if chunks is not None:
            for chunk in chunks():
                out.write(chunk)
        else:
            shutil.copyfileobj(path_or_file, out)
    return target
