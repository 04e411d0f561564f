"""Each student's own copy of the course, kept up to date without touching edits.

hub/singleuser.sh runs this as the student, before the student's server starts:

    /usr/bin/python3 hub/python/nnlab_course.py SOURCE_DIR COURSE_DIR

SOURCE_DIR holds the teaching notebooks (the project's notebooks/*.ipynb);
COURSE_DIR is the student's copy (~/nnlab). A manifest in
COURSE_DIR/.nnlab-course.json remembers, per notebook, the sha256 of the
original the student last received. On every start:

- a notebook the student has never received is copied in (new notebooks appear);
- an original that did not change since is left alone;
- an original that changed replaces the student's copy only when the copy is
  still exactly what the student received (never opened and saved);
- otherwise the edited copy stays and the new original lands beside it as
  ``NAME.course-YYYYMMDD-HASH.ipynb`` (once per version of the original);
- a notebook the student deleted stays deleted until its original changes.

Every write goes to a temporary file in the same folder and is renamed into
place, so a crash never leaves half a notebook. Prints one line per change.
"""

import datetime
import hashlib
import json
import os
import sys
import tempfile

MANIFEST = ".nnlab-course.json"


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_atomic(path, data):
    folder = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(prefix=".nnlab-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def sync(source_dir, course_dir, today=None):
    """Brings COURSE_DIR up to date with SOURCE_DIR; returns a list of (action, name)."""
    os.makedirs(course_dir, exist_ok=True)
    manifest_path = os.path.join(course_dir, MANIFEST)
    try:
        with open(manifest_path) as f:
            received = json.load(f).get("received", {})
    except FileNotFoundError:
        received = {}
    except (OSError, ValueError) as err:
        raise SystemExit(f"nnlab course: cannot read {manifest_path}: {err}")
    today = today or datetime.date.today().strftime("%Y%m%d")
    changes = []
    for name in sorted(os.listdir(source_dir)):
        if not name.endswith(".ipynb"):
            continue
        src = os.path.join(source_dir, name)
        with open(src, "rb") as f:
            data = f.read()
        new_hash = hashlib.sha256(data).hexdigest()
        old_hash = received.get(name)
        dest = os.path.join(course_dir, name)
        if old_hash == new_hash:
            continue  # nothing new for this notebook (also when the student deleted it)
        if not os.path.exists(dest):
            write_atomic(dest, data)
            changes.append(("added", name))
        elif old_hash is not None and sha256(dest) == old_hash:
            write_atomic(dest, data)
            changes.append(("updated", name))
        elif sha256(dest) == new_hash:
            changes.append(("same", name))
        else:
            beside = f"{name[:-len('.ipynb')]}.course-{today}-{new_hash[:8]}.ipynb"
            write_atomic(os.path.join(course_dir, beside), data)
            changes.append(("beside", beside))
        received[name] = new_hash
    write_atomic(manifest_path, (json.dumps({"source": source_dir, "received": received}, indent=1) + "\n").encode())
    return changes


def main(argv):
    if len(argv) != 2:
        raise SystemExit("usage: nnlab_course.py SOURCE_DIR COURSE_DIR")
    for action, name in sync(*argv):
        messages = {
            "added": "new notebook",
            "updated": "updated (you had not changed it)",
            "same": "already up to date",
            "beside": "the course changed a notebook you edited; the new version is",
        }
        print(f"nnlab course: {messages[action]}: {name}")


if __name__ == "__main__":
    main(sys.argv[1:])
