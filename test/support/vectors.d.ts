// Virtual modules the test bundles get from esbuild plugins (test/bootloader-verify/vectors-plugin.ts).
declare module 'zw-vectors:imgtool' {
  const vectors: { images: Record<string, string>; keys: Record<string, string> };
  export default vectors;
}
