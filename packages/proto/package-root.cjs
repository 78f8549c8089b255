// CommonJS on purpose: this file's __dirname is the package root whether the caller is src/
// compiled to CommonJS under jest or dist/ running as ESM, and it needs no import.meta (which
// jest's CommonJS compile cannot take).
module.exports = __dirname;
