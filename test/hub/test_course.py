"""The course copy rules of hub/python/nnlab_course.py, on temporary folders:
new notebooks appear, unedited ones follow the course, edited ones stay with
the new original beside them (once), deleted ones stay deleted until the
course changes them, and the student's folder never holds a temporary file.

Run: /usr/bin/python3 test/hub/test_course.py (or scripts/test-hub.sh, which runs every test/hub/test_*.py).
"""

import json
import os
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "hub", "python"))
import nnlab_course  # noqa: E402


def write(path, version, note=""):
    with open(path, "w") as f:
        json.dump({"cells": [], "metadata": {"version": version, "note": note}, "nbformat": 4, "nbformat_minor": 5}, f)


def read(path):
    with open(path) as f:
        return json.load(f)["metadata"]


class CourseCopy(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.src = os.path.join(self.tmp.name, "course")
        self.dst = os.path.join(self.tmp.name, "home", "nnlab")
        os.makedirs(self.src)
        for name in ("01-a.ipynb", "02-b.ipynb", "03-c.ipynb"):
            write(os.path.join(self.src, name), 1)
        with open(os.path.join(self.src, "README.md"), "w") as f:
            f.write("not a notebook")

    def tearDown(self):
        self.tmp.cleanup()

    def sync(self):
        return nnlab_course.sync(self.src, self.dst, today="20261204")

    def test_first_start_copies_every_notebook_and_nothing_else(self):
        self.assertEqual(self.sync(), [("added", "01-a.ipynb"), ("added", "02-b.ipynb"), ("added", "03-c.ipynb")])
        self.assertEqual(sorted(os.listdir(self.dst)), [".nnlab-course.json", "01-a.ipynb", "02-b.ipynb", "03-c.ipynb"])
        self.assertEqual(self.sync(), [], "a second start with nothing new changes nothing")

    def test_updates_follow_unedited_copies_and_never_overwrite_edits(self):
        self.sync()
        write(os.path.join(self.dst, "01-a.ipynb"), 1, note="my answer")  # the student edits 01
        os.unlink(os.path.join(self.dst, "03-c.ipynb"))  # and deletes 03
        for name in ("01-a.ipynb", "02-b.ipynb"):
            write(os.path.join(self.src, name), 2)
        write(os.path.join(self.src, "04-d.ipynb"), 1)
        changes = self.sync()
        self.assertEqual(changes, [("beside", "01-a.course-20261204-" + nnlab_course.sha256(os.path.join(self.src, "01-a.ipynb"))[:8] + ".ipynb"), ("updated", "02-b.ipynb"), ("added", "04-d.ipynb")])
        self.assertEqual(read(os.path.join(self.dst, "01-a.ipynb")), {"version": 1, "note": "my answer"})
        self.assertEqual(read(os.path.join(self.dst, changes[0][1]))["version"], 2)
        self.assertEqual(read(os.path.join(self.dst, "02-b.ipynb"))["version"], 2)
        self.assertFalse(os.path.exists(os.path.join(self.dst, "03-c.ipynb")), "a deleted notebook came back")
        self.assertEqual(self.sync(), [], "the new original is offered once")
        # The course changes 03: the student who deleted it gets the new one.
        write(os.path.join(self.src, "03-c.ipynb"), 2)
        self.assertEqual(self.sync(), [("added", "03-c.ipynb")])
        self.assertEqual([n for n in os.listdir(self.dst) if n.startswith(".nnlab-") and n != ".nnlab-course.json"], [], "temporary files left")

    def test_a_copy_that_already_matches_the_new_original_is_kept(self):
        self.sync()
        write(os.path.join(self.src, "02-b.ipynb"), 2)
        write(os.path.join(self.dst, "02-b.ipynb"), 2)
        self.assertEqual(self.sync(), [("same", "02-b.ipynb")])

    def test_an_unreadable_manifest_names_the_file(self):
        self.sync()
        with open(os.path.join(self.dst, ".nnlab-course.json"), "w") as f:
            f.write("{not json")
        with self.assertRaises(SystemExit) as err:
            self.sync()
        self.assertIn(".nnlab-course.json", str(err.exception))


if __name__ == "__main__":
    unittest.main(verbosity=2)
