//===- Npy.cpp - NumPy .npy files -------------------------------*- C++ -*-===//

#include "vsquant/Support/Npy.h"

#include "llvm/Support/raw_ostream.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstring>

using namespace llvm;

float vsquant::halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1f;
  uint32_t mantissa = h & 0x3ff;
  uint32_t bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000 | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {
    // Subnormal half: normalise into a (normal) single.
    int shift = 0;
    while (!(mantissa & 0x400)) {
      mantissa <<= 1;
      ++shift;
    }
    mantissa &= 0x3ff;
    bits = sign | (uint32_t(113 - shift) << 23) | (mantissa << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

static Error npyError(StringRef name, const Twine &message) {
  return createStringError(inconvertibleErrorCode(),
                           name + ": " + message);
}

/// Finds `'key': value` in the header dictionary and returns value's text.
static std::optional<StringRef> headerValue(StringRef header, StringRef key) {
  std::string quoted = ("'" + key + "'").str();
  size_t pos = header.find(quoted);
  if (pos == StringRef::npos)
    return std::nullopt;
  StringRef rest = header.drop_front(pos + quoted.size()).ltrim();
  if (!rest.consume_front(":"))
    return std::nullopt;
  return rest.ltrim();
}

Expected<vsquant::NpyArray> vsquant::parseNpy(StringRef bytes, StringRef name) {
  if (bytes.size() < 10 || !bytes.starts_with("\x93NUMPY"))
    return npyError(name, "not a .npy file (bad magic)");
  unsigned major = uint8_t(bytes[6]);
  size_t headerLength, offset;
  if (major == 1) {
    headerLength = support::endian::read16le(bytes.data() + 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return npyError(name, "truncated header");
    headerLength = support::endian::read32le(bytes.data() + 8);
    offset = 12;
  } else {
    return npyError(name, "unsupported .npy version " + Twine(major));
  }
  if (bytes.size() < offset + headerLength)
    return npyError(name, "truncated header");
  StringRef header = bytes.substr(offset, headerLength);
  StringRef payload = bytes.drop_front(offset + headerLength);

  NpyArray array;
  std::optional<StringRef> descr = headerValue(header, "descr");
  if (!descr || descr->size() < 2 || (*descr)[0] != '\'')
    return npyError(name, "header has no 'descr'");
  array.dtype = descr->drop_front().take_until([](char c) { return c == '\''; }).str();
  std::optional<StringRef> order = headerValue(header, "fortran_order");
  if (!order)
    return npyError(name, "header has no 'fortran_order'");
  if (order->starts_with("True"))
    return npyError(name, "Fortran-order arrays are not supported; save "
                          "with C order");
  std::optional<StringRef> shapeText = headerValue(header, "shape");
  if (!shapeText || !shapeText->starts_with("("))
    return npyError(name, "header has no 'shape'");
  StringRef dims = shapeText->drop_front().take_until([](char c) {
    return c == ')';
  });
  int64_t count = 1;
  SmallVector<StringRef> parts;
  dims.split(parts, ',', -1, /*KeepEmpty=*/false);
  for (StringRef part : parts) {
    part = part.trim();
    if (part.empty())
      continue;
    int64_t dim;
    if (part.getAsInteger(10, dim) || dim < 0)
      return npyError(name, "bad shape entry '" + part + "'");
    if (dim != 0 && count > (int64_t(1) << 40) / dim)
      return npyError(name, "shape too large");
    array.shape.push_back(dim);
    count *= dim;
  }

  size_t width;
  if (array.dtype == "<f4")
    width = 4;
  else if (array.dtype == "<f2")
    width = 2;
  else if (array.dtype == "<f8")
    width = 8;
  else
    return npyError(name, "unsupported dtype '" + array.dtype +
                              "'; expected float32 (<f4), float16 (<f2) or "
                              "float64 (<f8)");
  if (payload.size() != size_t(count) * width)
    return npyError(name, "data has " + Twine(payload.size()) +
                              " bytes, the shape needs " +
                              Twine(size_t(count) * width));
  array.data.resize(count);
  const char *p = payload.data();
  for (int64_t i = 0; i < count; ++i) {
    if (width == 4) {
      uint32_t bits = support::endian::read32le(p + 4 * i);
      std::memcpy(&array.data[i], &bits, 4);
    } else if (width == 2) {
      array.data[i] = halfToFloat(support::endian::read16le(p + 2 * i));
    } else {
      uint64_t bits = support::endian::read64le(p + 8 * i);
      double d;
      std::memcpy(&d, &bits, 8);
      array.data[i] = float(d);
    }
  }
  return array;
}

Expected<vsquant::NpyArray> vsquant::readNpy(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buffer =
      MemoryBuffer::getFile(path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return npyError(path, "cannot read: " + buffer.getError().message());
  return parseNpy((*buffer)->getBuffer(), path);
}

std::string vsquant::serializeNpy(StringRef dtype, ArrayRef<int64_t> shape,
                                  ArrayRef<char> data) {
  std::string dict = "{'descr': '" + dtype.str() +
                     "', 'fortran_order': False, 'shape': (";
  // Python tuple syntax: "()", "(3,)", "(3, 4)".
  for (auto [i, d] : llvm::enumerate(shape))
    dict += (i ? ", " : "") + std::to_string(d);
  if (shape.size() == 1)
    dict += ",";
  dict += "), }";
  // Pad so that the data starts 64-byte aligned, ending in a newline.
  size_t total = 10 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  std::string out = "\x93NUMPY";
  out += char(1);
  out += char(0);
  out += char(dict.size() & 0xff);
  out += char(dict.size() >> 8);
  out += dict;
  out.append(data.data(), data.size());
  return out;
}

llvm::Error vsquant::writeNpyF32(llvm::StringRef path,
                                 llvm::ArrayRef<int64_t> shape,
                                 llvm::ArrayRef<float> data) {
  std::string bytes = serializeNpy(
      "<f4", shape,
      llvm::ArrayRef<char>(reinterpret_cast<const char *>(data.data()),
                           data.size() * sizeof(float)));
  if (llvm::Error e = llvm::writeToOutput(path, [&](llvm::raw_ostream &os) {
        os << bytes;
        return llvm::Error::success();
      }))
    // The error names the path already.
    return llvm::createStringError("cannot write .npy file: " +
                                   llvm::toString(std::move(e)));
  return llvm::Error::success();
}
