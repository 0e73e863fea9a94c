//===- NpyTest.cpp - .npy reader and writer -------------------------------===//

#include "vsquant/Support/Npy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

using namespace vsquant;

static std::string floatNpy(llvm::ArrayRef<int64_t> shape,
                            llvm::ArrayRef<float> data) {
  return serializeNpy("<f4", shape,
                      llvm::ArrayRef<char>((const char *)data.data(),
                                           data.size() * sizeof(float)));
}

static std::string errorOf(llvm::StringRef bytes) {
  llvm::Expected<NpyArray> array = parseNpy(bytes, "t.npy");
  if (array)
    return "";
  return llvm::toString(array.takeError());
}

TEST(Npy, RoundTripFloat32) {
  std::vector<float> data = {1.5f, -2.0f, 0.0f, 1e-40f, 3.25f, 7.0f};
  std::string bytes = floatNpy({2, 3}, data);
  // The header is padded so the data starts 64-byte aligned.
  EXPECT_EQ((bytes.size() - data.size() * 4) % 64, 0u);
  llvm::Expected<NpyArray> array = parseNpy(bytes, "t.npy");
  ASSERT_TRUE(bool(array)) << llvm::toString(array.takeError());
  EXPECT_EQ(array->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(array->dtype, "<f4");
  EXPECT_EQ(array->data, data); // bit-exact, subnormal included
}

TEST(Npy, ShapesOfRankZeroAndOne) {
  llvm::Expected<NpyArray> scalar = parseNpy(floatNpy({}, {4.0f}), "s");
  ASSERT_TRUE(bool(scalar));
  EXPECT_TRUE(scalar->shape.empty());
  EXPECT_EQ(scalar->data, std::vector<float>{4.0f});
  std::string vector = floatNpy({2}, {1.0f, 2.0f});
  EXPECT_NE(vector.find("'shape': (2,)"), std::string::npos);
}

TEST(Npy, HalfToFloatIsExact) {
  EXPECT_EQ(halfToFloat(0x3C00), 1.0f);
  EXPECT_EQ(halfToFloat(0xC000), -2.0f);
  EXPECT_EQ(halfToFloat(0x3555), 0.333251953125f); // 1 + 0x155/1024, * 2^-2
  EXPECT_EQ(halfToFloat(0x0001), std::ldexp(1.0f, -24)); // smallest subnormal
  EXPECT_EQ(halfToFloat(0x03FF), std::ldexp(1023.0f, -24)); // largest subnormal
  EXPECT_EQ(halfToFloat(0x7BFF), 65504.0f);
  EXPECT_TRUE(std::isinf(halfToFloat(0x7C00)));
  EXPECT_TRUE(std::isnan(halfToFloat(0x7E00)));
  EXPECT_TRUE(std::signbit(halfToFloat(0x8000)));
}

TEST(Npy, ReadsFloat16) {
  uint16_t halves[] = {0x3C00, 0xC000};
  std::string bytes =
      serializeNpy("<f2", {2}, llvm::ArrayRef<char>((const char *)halves, 4));
  llvm::Expected<NpyArray> array = parseNpy(bytes, "h.npy");
  ASSERT_TRUE(bool(array));
  EXPECT_EQ(array->data, (std::vector<float>{1.0f, -2.0f}));
}

TEST(Npy, RejectsMalformedFilesWithTheirName) {
  EXPECT_EQ(errorOf("hello"), "t.npy: not a .npy file (bad magic)");
  std::string good = floatNpy({2}, {1.0f, 2.0f});
  EXPECT_EQ(errorOf(good.substr(0, good.size() - 1)),
            "t.npy: data has 7 bytes, the shape needs 8");
  EXPECT_EQ(errorOf(good.substr(0, 20)), "t.npy: truncated header");
  std::string fortran = good;
  fortran.replace(fortran.find("False"), 5, "True ");
  EXPECT_NE(errorOf(fortran).find("Fortran-order arrays are not supported"),
            std::string::npos);
  std::string ints = serializeNpy("<i4", {1}, llvm::ArrayRef<char>("\0\0\0\0", 4));
  EXPECT_NE(errorOf(ints).find("unsupported dtype '<i4'"), std::string::npos);
  std::string badShape = good;
  badShape.replace(badShape.find("(2,)"), 4, "(x2)");
  EXPECT_NE(errorOf(badShape).find("bad shape entry"), std::string::npos);
  EXPECT_NE(errorOf(std::string("\x93NUMPY\x07\x00\x00\x00", 10))
                .find("unsupported .npy version 7"),
            std::string::npos);
}
