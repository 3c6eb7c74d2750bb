/* 清风 Qingfeng — public portal helpers (no dependencies, ES5).
 *
 * 1. Proof-of-work for the report form (form[data-pow]): find a nonce such
 *    that SHA-256(challenge + ":" + nonce) starts with data-pow-bits zero
 *    bits, then enable the submit button. SHA-256 is computed here in plain
 *    JavaScript because crypto.subtle is unavailable on plain-HTTP intranet
 *    pages. The work runs in small slices so the page stays responsive.
 *    A form left open for long asks for a fresh challenge before sending.
 * 2. Upload limits: a warning when too many or too large files are chosen.
 * 3. [data-print] buttons print the page.
 * Nothing about the device or browser is collected or sent.
 */
(function () {
  'use strict';

  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ];
  var W = typeof Int32Array !== 'undefined' ? new Int32Array(64) : new Array(64);
  var H = [0, 0, 0, 0, 0, 0, 0, 0];

  // utf8 returns the UTF-8 bytes of s as an array of numbers.
  function utf8(s) {
    var out = [], i, c;
    for (i = 0; i < s.length; i++) {
      c = s.charCodeAt(i);
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
        c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
      }
      if (c < 0x80) {
        out.push(c);
      } else if (c < 0x800) {
        out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      } else if (c < 0x10000) {
        out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      } else {
        out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      }
    }
    return out;
  }

  // newBuffer returns a byte buffer for messages up to max bytes (padded).
  function newBuffer(max) {
    var n = ((max + 9 + 63) >> 6) << 6;
    return typeof Uint8Array !== 'undefined' ? new Uint8Array(n) : new Array(n);
  }

  // digest computes SHA-256 of the first len bytes of buf into H; buf must
  // have room for the padding, which it writes (bytes past len change).
  function digest(buf, len) {
    var total = ((len + 9 + 63) >> 6) << 6, i, j;
    buf[len] = 0x80;
    for (i = len + 1; i < total - 8; i++) { buf[i] = 0; }
    var hi = Math.floor(len / 0x20000000), lo = (len * 8) >>> 0;
    buf[total - 8] = (hi >>> 24) & 255; buf[total - 7] = (hi >>> 16) & 255; buf[total - 6] = (hi >>> 8) & 255; buf[total - 5] = hi & 255;
    buf[total - 4] = (lo >>> 24) & 255; buf[total - 3] = (lo >>> 16) & 255; buf[total - 2] = (lo >>> 8) & 255; buf[total - 1] = lo & 255;
    var h0 = 0x6a09e667, h1 = 0xbb67ae85 | 0, h2 = 0x3c6ef372, h3 = 0xa54ff53a | 0,
      h4 = 0x510e527f, h5 = 0x9b05688c | 0, h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
    for (j = 0; j < total; j += 64) {
      for (i = 0; i < 16; i++) {
        var k = j + 4 * i;
        W[i] = (buf[k] << 24) | (buf[k + 1] << 16) | (buf[k + 2] << 8) | buf[k + 3];
      }
      for (i = 16; i < 64; i++) {
        var w15 = W[i - 15], w2 = W[i - 2];
        var s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
        var s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
        W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
      }
      var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
      for (i = 0; i < 64; i++) {
        var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        var t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
        var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        var t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
      h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
    }
    H[0] = h0 >>> 0; H[1] = h1 >>> 0; H[2] = h2 >>> 0; H[3] = h3 >>> 0;
    H[4] = h4 >>> 0; H[5] = h5 >>> 0; H[6] = h6 >>> 0; H[7] = h7 >>> 0;
    return H;
  }

  // sha256 returns the digest of a byte array as eight 32-bit words.
  function sha256(bytes) {
    var buf = newBuffer(bytes.length), i;
    for (i = 0; i < bytes.length; i++) { buf[i] = bytes[i]; }
    return digest(buf, bytes.length).slice(0);
  }

  function clz32(x) {
    var n = 0;
    if (x === 0) { return 32; }
    while ((x & 0x80000000) === 0) { x = (x << 1) >>> 0; n++; }
    return n;
  }

  // leadingZeroBits counts the leading zero bits of a digest.
  function leadingZeroBits(words) {
    var n = 0, i;
    for (i = 0; i < words.length; i++) {
      if (words[i] === 0) { n += 32; continue; }
      return n + clz32(words[i]);
    }
    return n;
  }

  // solve searches nonces 0, 1, 2, … (decimal) in slices and calls
  // done(nonce). The challenge's bytes stay in the buffer; only the nonce's
  // digits and the padding are rewritten for each try.
  function solve(challenge, bits, done) {
    var prefix = utf8(challenge + ':'), p = prefix.length, buf = newBuffer(p + 16), i = 0, j;
    for (j = 0; j < p; j++) { buf[j] = prefix[j]; }
    function slice() {
      var end = i + 20000, s, n;
      for (; i < end; i++) {
        s = String(i);
        for (n = 0; n < s.length; n++) { buf[p + n] = s.charCodeAt(n); }
        if (leadingZeroBits(digest(buf, p + s.length)) >= bits) {
          done(s);
          return;
        }
      }
      setTimeout(slice, 0);
    }
    setTimeout(slice, 0);
  }

  // Exposed for tests in a console: QingfengPoW.sha256hex("abc").
  window.QingfengPoW = {
    sha256hex: function (s) {
      var w = sha256(utf8(s)), out = '', i;
      for (i = 0; i < 8; i++) { out += ('00000000' + w[i].toString(16)).slice(-8); }
      return out;
    },
    leadingZeroBits: function (ch, nonce) { return leadingZeroBits(sha256(utf8(ch + ':' + nonce))); },
    solve: solve
  };

  function setupPow(form) {
    var chIn = form.querySelector('input[name=challenge]');
    var nonceIn = form.querySelector('input[name=nonce]');
    var btn = form.querySelector('[data-pow-submit]');
    var status = document.getElementById('pow-status');
    var bits = parseInt(form.getAttribute('data-pow-bits'), 10) || 18;
    var issued = Date.now();
    var maxAge = 8 * 60 * 1000; // challenges live 10 minutes on the server
    var working = false;

    function run(then) {
      working = true;
      nonceIn.value = '';
      btn.disabled = true;
      if (status) { status.className = 'pow-status'; }
      solve(chIn.value, bits, function (nonce) {
        nonceIn.value = nonce;
        working = false;
        btn.disabled = false;
        if (status) {
          status.textContent = status.getAttribute('data-done');
          status.className = 'pow-status done';
        }
        if (then) { then(); }
      });
    }

    function refresh(then) {
      var x = new XMLHttpRequest();
      x.open('GET', '/report/challenge', true);
      x.onload = function () {
        if (x.status === 200 && x.responseText) {
          chIn.value = x.responseText;
          issued = Date.now();
          run(then);
        } else if (status) {
          status.textContent = status.getAttribute('data-retry');
        }
      };
      x.onerror = function () {
        if (status) { status.textContent = status.getAttribute('data-retry'); }
      };
      x.send();
    }

    form.addEventListener('submit', function (ev) {
      if (working || !nonceIn.value) { ev.preventDefault(); return; }
      if (Date.now() - issued > maxAge) {
        ev.preventDefault();
        refresh(function () { form.submit(); });
        return;
      }
      btn.disabled = true; // one submission only
    });
    run(null);
  }

  function setupFiles(input) {
    var maxFiles = parseInt(input.getAttribute('data-max-files'), 10) || 5;
    var maxBytes = (parseInt(input.getAttribute('data-max-mb'), 10) || 10) * 1024 * 1024;
    var warn = document.getElementById('files-warn');
    input.addEventListener('change', function () {
      var bad = input.files && input.files.length > maxFiles, i;
      for (i = 0; input.files && i < input.files.length; i++) {
        if (input.files[i].size > maxBytes) { bad = true; }
      }
      if (warn) { warn.hidden = !bad; }
    });
  }

  function init() {
    var forms = document.querySelectorAll('form[data-pow]'), i;
    for (i = 0; i < forms.length; i++) { setupPow(forms[i]); }
    var files = document.querySelectorAll('input[type=file][data-max-files]');
    for (i = 0; i < files.length; i++) { setupFiles(files[i]); }
    var prints = document.querySelectorAll('[data-print]');
    for (i = 0; i < prints.length; i++) {
      prints[i].addEventListener('click', function () { window.print(); });
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
