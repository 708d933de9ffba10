/**
 * The Content Security Policy of the UI. The same string is in src-renderer/index.html's meta tag (a test
 * keeps the two equal) and is sent as a header by web mode and by Electron's app:// protocol handler.
 *
 * - scripts only from the app itself; 'wasm-unsafe-eval' lets tfjs/face-api compile WebAssembly, nothing
 *   more (no eval of strings);
 * - inline styles are allowed because Svelte writes style attributes (bar widths, colours);
 * - images/media may be blob: or data: (recorded clips, chart exports) and mediastream: (the camera);
 * - connections only back to the app's own origin (the web-mode API and its WebSocket).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
