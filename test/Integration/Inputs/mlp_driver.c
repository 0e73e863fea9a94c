/* Calls the model vsq-compile built from examples/mlp_float.mlir on one .npy
 * input (float32, 4x64) and prints the 4x10 outputs, one per line. */
#include "mlp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s input.npy\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 1;
  }
  unsigned char prefix[10];
  float input[4 * 64], output[4 * 10];
  if (fread(prefix, 1, 10, f) != 10 || memcmp(prefix, "\x93NUMPY", 6) != 0) {
    fprintf(stderr, "%s: not a .npy file\n", argv[1]);
    return 1;
  }
  long header = prefix[8] | (prefix[9] << 8);
  if (fseek(f, 10 + header, SEEK_SET) != 0 ||
      fread(input, sizeof(float), 4 * 64, f) != 4 * 64) {
    fprintf(stderr, "%s: expected 4x64 float32 values\n", argv[1]);
    return 1;
  }
  fclose(f);
  vsq_mlp(input, output);
  for (int i = 0; i < 4 * 10; ++i)
    printf("%.9g\n", output[i]);
  return 0;
}
