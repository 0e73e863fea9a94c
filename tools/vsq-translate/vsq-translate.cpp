//===- vsq-translate.cpp - vsqaccel emitter and disassembler ----*- C++ -*-===//
//
// mlir-translate with the accelerator's translations: vsqaccel IR to
// readable assembly or to the binary encoding, and binaries back to IR.
//
//===----------------------------------------------------------------------===//

#include "vsquant/Target/VSQAccel/ProgramIR.h"

#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

int main(int argc, char **argv) {
  mlir::vsqaccel::registerVSQAccelTranslations();
  return mlir::failed(mlir::mlirTranslateMain(
      argc, argv, "vsquant accelerator emitter and disassembler\n"));
}
