/* The exports of the native modules `hw` and `hwdev` (hardware/native/README.md), as X-macros:
 * X(name, argc). zw-host defines the functions; zwc registers stubs with the same names so that
 * named imports resolve when a module is compiled. */
#ifndef ZW_HW_NAMES_H
#define ZW_HW_NAMES_H

#define ZW_HW_EXPORTS(X) \
  X(randomBytes, 1) \
  X(wallMs, 0) \
  X(monotonicMs, 0) \
  X(hashNew, 1) \
  X(sha256, 1) \
  X(sha512, 1) \
  X(hmacSha256, 2) \
  X(hkdfSha256, 4) \
  X(keySlice, 3) \
  X(aeadSeal, 5) \
  X(aeadOpen, 5) \
  X(aesCtr, 3) \
  X(x25519, 2) \
  X(x25519PublicKey, 1) \
  X(ed25519Verify, 3) \
  X(p256Verify, 4) \
  X(p256VerifyDigest, 4) \
  X(keyHas, 1) \
  X(keyAlgorithm, 1) \
  X(keyGenerate, 2) \
  X(keyPublic, 1) \
  X(keySign, 2) \
  X(keyAgree, 2) \
  X(keyDerive, 1) \
  X(counterRead, 1) \
  X(counterAdvance, 2) \
  X(flashSize, 1) \
  X(flashRead, 3) \
  X(flashProgram, 3) \
  X(flashErase, 3) \
  X(flashSync, 1) \
  X(flashSha256, 3) \
  X(log, 3) \
  X(measurements, 0) \
  X(deviceId, 0) \
  X(setting, 1) \
  X(postureRead, 1) \
  X(postureSha256, 1) \
  X(netConnect, 4) \
  X(netWrite, 2) \
  X(netClose, 1) \
  X(exit, 1)

#define ZW_HWDEV_EXPORTS(X) \
  X(args, 0) \
  X(readStdin, 0)

/* `boot`: only for the verifier zw-host runs at boot (boot.c). */
#define ZW_BOOT_EXPORTS(X) \
  X(imageSize, 0) \
  X(imageRead, 2) \
  X(imageSha256, 2) \
  X(trustKeys, 0) \
  X(trustDocument, 0) \
  X(agentVerdict, 6) \
  X(record, 1)

#define ZW_HW_DECLARE(name, argc) \
  JSValue zw_hw_##name(JSContext *ctx, JSValueConst this_val, int argc_, JSValueConst *argv);

#endif
