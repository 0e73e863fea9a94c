# -*- Python -*-
# The GoogleTest unit tests, run by lit beside the FileCheck tests.
import os

import lit.formats

config.name = "VSQUANT-Unit"
config.suffixes = []
config.test_exec_root = os.path.join(config.vsquant_obj_root, "unittests")
config.test_source_root = config.test_exec_root
config.test_format = lit.formats.GoogleTest(".", "UnitTests")
