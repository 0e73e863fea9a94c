// An unwritable report path is an error, not a crash, and names the path.
// RUN: not vsq-opt %s --vsquant-storage-report=json=%t.missing/dir/report.json 2>&1 | FileCheck %s
// CHECK: error: cannot write storage report '{{.*}}.missing/dir/report.json'

// An unknown pass option is rejected.
// RUN: not vsq-opt %s --vsquant-storage-report=format=csv 2>&1 | FileCheck %s --check-prefix=OPT
// OPT: no such option format

func.func @f() {
  return
}
