// The packages only login and logout use, bundled apart from the CLI so
// that other commands do not read them, and precompiled with a V8 code
// cache of their own (see bin/regcred). Each is evaluated on first use.
'use strict';

Object.defineProperty(exports, 'undici', {
  enumerable: true,
  get: () => require('undici'),
});
Object.defineProperty(exports, 'proper-lockfile', {
  enumerable: true,
  get: () => require('proper-lockfile'),
});
