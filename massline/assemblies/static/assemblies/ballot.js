// The secret ballot on a member's phone.
//
// 1. The phone makes a random one-time token and keeps it (localStorage, until it is cast).
// 2. It sends only the token's SHA-256 to the server, logged in: the server notes that this
//    member received a ballot and, in another table, that a token with this hash exists.
// 3. It casts the ballot with the token itself and the choice, WITHOUT the login cookie:
//    the ballot box accepts a token once and stores the choice with a receipt code.
// The token is forgotten once the ballot is in the box. See docs/assemblies-threat-model.md.
(() => {
  const box = document.getElementById("ballot");
  const form = document.getElementById("ballot-form");
  if (!box || !form) return;
  const texts = document.getElementById("ballot-texts").dataset;
  const status = document.getElementById("ballot-status");
  const key = `massline-ballot-${box.dataset.vote}`;
  const csrf = box.querySelector("input[name=csrfmiddlewaretoken]").value;

  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

  // SHA-256 for phones that reach the server over plain http (no crypto.subtle there).
  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);
  const sha256Fallback = (bytes) => {
    const length = bytes.length;
    const padded = new Uint8Array(((length + 9 + 63) >> 6) << 6);
    padded.set(bytes);
    padded[length] = 0x80;
    new DataView(padded.buffer).setUint32(padded.length - 4, length * 8);
    const h = new Uint32Array([
      0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ]);
    const w = new Uint32Array(64);
    const view = new DataView(padded.buffer);
    const rot = (x, n) => (x >>> n) | (x << (32 - n));
    for (let offset = 0; offset < padded.length; offset += 64) {
      for (let i = 0; i < 16; i++) w[i] = view.getUint32(offset + i * 4);
      for (let i = 16; i < 64; i++) {
        const s0 = rot(w[i - 15], 7) ^ rot(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        const s1 = rot(w[i - 2], 17) ^ rot(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      let [a, b, c, d, e, f, g, hh] = h;
      for (let i = 0; i < 64; i++) {
        const t1 = (hh + (rot(e, 6) ^ rot(e, 11) ^ rot(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
        const t2 = ((rot(a, 2) ^ rot(a, 13) ^ rot(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
    }
    const out = new Uint8Array(32);
    const outView = new DataView(out.buffer);
    h.forEach((word, i) => outView.setUint32(i * 4, word));
    return out;
  };
  const sha256 = async (text) => {
    const bytes = new TextEncoder().encode(text);
    if (window.crypto && crypto.subtle) {
      return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
    }
    return hex(sha256Fallback(bytes));
  };

  const say = (text, error = false) => {
    status.textContent = text;
    status.className = error ? "error" : "passed";
  };

  let pending = null;
  const collect = () => {
    pending = pending || take().catch((error) => {
      pending = null;
      throw error;
    });
    return pending;
  };
  const take = async () => {
    let token = localStorage.getItem(key);
    if (token) return token;
    if (box.dataset.hasToken === "1") throw new Error(texts.lost);
    token = hex(crypto.getRandomValues(new Uint8Array(32)));
    localStorage.setItem(key, token); // kept before asking, so a lost answer loses nothing
    const answer = await fetch(box.dataset.tokenUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token_hash: await sha256(token) }),
    });
    if (!answer.ok) {
      localStorage.removeItem(key);
      throw new Error((await answer.json()).error || texts.failed);
    }
    box.dataset.hasToken = "1";
    return token;
  };

  // Take the ballot as soon as the page opens, so taking it and casting it are not one
  // moment apart (someone watching the traffic could otherwise pair them up).
  if (box.dataset.eligible === "1" && box.dataset.hasToken !== "1") {
    collect().catch((error) => say(error.message, true));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const choice = form.querySelector("input[name=choice]:checked");
    if (!choice) return;
    const button = form.querySelector("button");
    button.disabled = true;
    say(texts.sending);
    try {
      const token = await collect();
      const answer = await fetch(box.dataset.castUrl, {
        method: "POST",
        credentials: "omit", // the ballot box must not learn who is casting
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ token, choice: choice.value }),
      });
      const body = await answer.json();
      if (!answer.ok) {
        if (answer.status === 409) localStorage.removeItem(key);
        throw new Error(body.error || texts.failed);
      }
      localStorage.removeItem(key);
      form.remove();
      say(`${texts.done} ${body.receipt}`);
    } catch (error) {
      button.disabled = false;
      say(error instanceof TypeError ? texts.failed : error.message, true);
    }
  });
})();
