//===- OnnxImporterTest.cpp - ONNX import from C++-built models -----------===//
//
// Models built with libonnx's protobuf classes, imported from bytes and run
// through the JIT: the library path the tool and tests do not cover
// (importOnnxModel on a buffer, option parsing, raw-data initializers).
//
//===----------------------------------------------------------------------===//

#include "vsquant/Import/OnnxImporter.h"
#include "vsquant/Runtime/CompiledModel.h"
#include "vsquant/Runtime/ModelFile.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "onnx/onnx_pb.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace vsquant;

namespace {

onnx::ValueInfoProto floatValue(const std::string &name,
                                std::vector<int64_t> dims) {
  onnx::ValueInfoProto v;
  v.set_name(name);
  auto *tensor = v.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx::TensorProto::FLOAT);
  auto *shape = tensor->mutable_shape();
  for (int64_t d : dims) {
    if (d > 0)
      shape->add_dim()->set_dim_value(d);
    else
      shape->add_dim()->set_dim_param("n");
  }
  return v;
}

/// y = Relu(Gemm(x, W, b, transB=1)) with W 3x2 as raw little-endian data.
std::string gemmModel(int64_t batch) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.add_opset_import()->set_version(13);
  onnx::GraphProto *graph = model.mutable_graph();
  graph->set_name("gemm");
  *graph->add_input() = floatValue("x", {batch, 2});
  *graph->add_output() = floatValue("y", {batch, 3});
  onnx::TensorProto *w = graph->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(3);
  w->add_dims(2);
  float weights[6] = {1, 2, -1, 0.5f, 0, -3};
  w->set_raw_data(std::string((const char *)weights, sizeof(weights)));
  onnx::TensorProto *b = graph->add_initializer();
  b->set_name("b");
  b->set_data_type(onnx::TensorProto::FLOAT);
  b->add_dims(3);
  for (float v : {0.25f, -1.0f, 0.0f})
    b->add_float_data(v);
  onnx::NodeProto *gemm = graph->add_node();
  gemm->set_op_type("Gemm");
  gemm->set_name("fc");
  gemm->add_input("x");
  gemm->add_input("w");
  gemm->add_input("b");
  gemm->add_output("h");
  onnx::AttributeProto *transB = gemm->add_attribute();
  transB->set_name("transB");
  transB->set_type(onnx::AttributeProto::INT);
  transB->set_i(1);
  onnx::NodeProto *relu = graph->add_node();
  relu->set_op_type("Relu");
  relu->set_name("act");
  relu->add_input("h");
  relu->add_output("y");
  return model.SerializeAsString();
}

} // namespace

TEST(OnnxImporter, ParseInputShape) {
  onnx_import::ImportOptions options;
  ASSERT_FALSE(bool(onnx_import::parseInputShape("x:1,3,48,320", options)));
  EXPECT_EQ(options.inputShapes["x"],
            (llvm::SmallVector<int64_t>{1, 3, 48, 320}));
  // A name may itself contain ':' (the dims follow the last one).
  ASSERT_FALSE(bool(onnx_import::parseInputShape("a:b:7", options)));
  EXPECT_EQ(options.inputShapes["a:b"], (llvm::SmallVector<int64_t>{7}));
  for (const char *bad : {"x", "x:", ":1,2", "x:1,,2", "x:1,-2", "x:a"}) {
    llvm::Error e = onnx_import::parseInputShape(bad, options);
    EXPECT_TRUE(bool(e)) << bad;
    llvm::consumeError(std::move(e));
  }
}

TEST(OnnxImporter, GemmRunsThroughTheJit) {
  std::unique_ptr<mlir::MLIRContext> context = runtime::createModelContext();
  onnx_import::ImportOptions options;
  // The model's batch dim is symbolic: the option fixes it.
  ASSERT_FALSE(bool(onnx_import::parseInputShape("x:2,2", options)));
  auto module = onnx_import::importOnnxModel(gemmModel(-1), "gemm.onnx",
                                             *context, options);
  ASSERT_TRUE(bool(module)) << llvm::toString(module.takeError());
  auto function = (**module).lookupSymbol<mlir::func::FuncOp>("main");
  ASSERT_TRUE(function);
  EXPECT_EQ(function.getFunctionType().getNumResults(), 1u);

  auto compiled = runtime::CompiledModel::compile(**module, "main");
  ASSERT_TRUE(bool(compiled)) << llvm::toString(compiled.takeError());
  std::vector<float> x = {1, 2, -1, 0.5f};
  (*compiled)->inputs()[0].data = x;
  (*compiled)->run();
  // h[i][j] = sum_k x[i][k] * W[j][k] + b[j], then Relu.
  const float w[3][2] = {{1, 2}, {-1, 0.5f}, {0, -3}};
  const float b[3] = {0.25f, -1.0f, 0.0f};
  const std::vector<float> &y = (*compiled)->results()[0].data;
  ASSERT_EQ(y.size(), 6u);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) {
      float h = x[i * 2] * w[j][0] + x[i * 2 + 1] * w[j][1] + b[j];
      EXPECT_FLOAT_EQ(y[i * 3 + j], h > 0 ? h : 0) << i << "," << j;
    }
}

TEST(OnnxImporter, RejectsBadBytesAndShapes) {
  mlir::MLIRContext context;
  onnx_import::ImportOptions options;
  auto garbage = onnx_import::importOnnxModel("\x08\x01\xff\xff", "g.onnx",
                                              context, options);
  ASSERT_FALSE(bool(garbage));
  EXPECT_NE(llvm::toString(garbage.takeError()).find("g.onnx"),
            std::string::npos);

  // Symbolic batch without --input-shape.
  auto dynamic = onnx_import::importOnnxModel(gemmModel(-1), "d.onnx",
                                              context, options);
  ASSERT_FALSE(bool(dynamic));
  EXPECT_EQ(llvm::toString(dynamic.takeError()),
            "'d.onnx': input 'x' has a dynamic shape [?,2]; give a static "
            "one with --input-shape=x:d0,d1,...");
}
