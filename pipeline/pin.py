"""Pinning a release, the consumer's side: `open_release` checks a release zip against the sha256
you pinned and every file inside it against SHA256SUMS and the descriptor, then returns typed
tables. It needs only the standard library and pandas (with pyarrow): copy this file into
your project, or `from pipeline.pin import open_release` in a checkout."""
import hashlib
import io
import json
import zipfile
from pathlib import Path


def open_release(zip_path, sha256=None):
    """{table: pandas DataFrame} from the Parquet files of a release zip, after checking the zip
    against `sha256` (or the .sha256 file beside it) and every file against its recorded hash."""
    import pandas as pd
    zip_path = Path(zip_path)
    data = zip_path.read_bytes()
    expected = sha256 or Path(f"{zip_path}.sha256").read_text().split()[0]
    if hashlib.sha256(data).hexdigest() != expected:
        raise ValueError(f"{zip_path}: sha256 does not match {expected}: the file is not the release you pinned")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        root = z.namelist()[0].split("/")[0]
        recorded = {}
        if f"{root}/SHA256SUMS" in z.namelist():
            for line in z.read(f"{root}/SHA256SUMS").decode("utf-8").splitlines():
                digest, _, name = line.partition("  ")
                recorded[name] = digest
        descriptor = json.loads(z.read(f"{root}/datapackage.json"))
        recorded.update({r["path"]: r["hash"].removeprefix("sha256:") for r in descriptor["resources"]})
        tables = {}
        for name, digest in sorted(recorded.items()):
            content = z.read(f"{root}/{name}")
            if hashlib.sha256(content).hexdigest() != digest:
                raise ValueError(f"{zip_path}: {name} does not match its recorded sha256")
        for res in descriptor["resources"]:
            if res["format"] == "parquet":
                tables[res["name"].removesuffix("-parquet")] = pd.read_parquet(io.BytesIO(z.read(f"{root}/{res['path']}")))
    return tables
