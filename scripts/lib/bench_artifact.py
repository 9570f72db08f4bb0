"""Used by the bench scripts that make an input artifact without running the stage that normally
writes it (a windows artifact straight from a bundle, an untrained model): the manifest, then the
rename, as tfbind's ArtifactBuilder does."""
import datetime
import hashlib
import os


def commit(tmp, out, kind, parameters):
    """Writes `tmp`'s manifest (every file with its size and sha256; `parameters` a TOML body) and
    renames `tmp` to `out`."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    manifest = (f'kind = "{kind}"\nschema_version = 1\ntfbind_version = "bench"\n'
                f'created = "{now}"\n\n[parameters]\n{parameters}\n')
    for name in sorted(os.listdir(tmp)):
        with open(f"{tmp}/{name}", "rb") as f:
            data = f.read()
        manifest += (f'\n[[files]]\nname = "{name}"\nsize = {len(data)}\n'
                     f'sha256 = "{hashlib.sha256(data).hexdigest()}"\n')
    with open(f"{tmp}/manifest.toml", "w") as f:
        f.write(manifest)
    os.rename(tmp, out)
