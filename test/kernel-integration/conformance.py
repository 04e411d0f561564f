"""The Jupyter kernel conformance suite (jupyter_kernel_test, Debian's
python3-jupyter-kernel-test) against the nnlab kernelspec.

Run from a folder inside the project with JUPYTER_PATH pointing at the
project's .jupyter-data (test/kernel-integration/conformance.test.ts does):
    /usr/bin/python3 -m unittest -v conformance
"""
import unittest

import jupyter_kernel_test

PRELUDE = 'import * as nn from "nnlab";\nimport { display, clearOutput } from "nnlab/kernel";\n'


class NnlabKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "nnlab"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("something went wrong")'

    completion_samples = [
        {"text": "Math.sq", "matches": {"sqrt", "SQRT1_2", "SQRT2"}},  # tslab matches case-insensitively
        {"text": "const values = [1, 2];\nvalues.inclu", "matches": {"includes"}},
    ]

    complete_code_samples = ["1 + 1", "const x = 1;", "function f() { return 1; }"]
    incomplete_code_samples = ["function f() {", "const a = [1,", "if (true) {\n  1"]
    invalid_code_samples = ["const = 1;", "1 +* 2"]

    code_generate_error = 'throw new Error("boom")'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": "[1, 2, 3].map((x) => x * 2)", "result": "[ 2, 4, 6 ]"},
        {"code": PRELUDE + "nn.zeros([2, 2])", "mime": "application/vnd.nnlab.tensor+json"},
        {"code": PRELUDE + "nn.ones([3])", "mime": "text/html"},
    ]

    code_display_data = [
        {"code": PRELUDE + "display(nn.eye(3))", "mime": "text/html"},
        {"code": PRELUDE + "display(nn.eye(3))", "mime": "application/vnd.nnlab.tensor+json"},
        {"code": PRELUDE + 'display(new nn.Sequential(new nn.Linear(4, 2)))', "mime": "application/vnd.nnlab.model+json"},
    ]

    code_history_pattern = "6 *"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "Math.max"

    code_clear_output = PRELUDE + "clearOutput()"


if __name__ == "__main__":
    unittest.main()
