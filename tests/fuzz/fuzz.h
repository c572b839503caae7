/* fuzz.h - the libFuzzer entry point every target defines. */
#ifndef RELAYLOCK_FUZZ_H
#define RELAYLOCK_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
