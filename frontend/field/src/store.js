// The phone's storage: IndexedDB holding only ciphertext (AES-GCM under a key derived with
// PBKDF2 from the member's passphrase) plus a few clear values that say nothing about anyone:
// the device token, the salt, the list's age limit and each outbox item's state.
import { deleteDB, openDB } from "idb";

export const DB_NAME = "massline-field";
export const ITERATIONS = 310000; // OWASP's figure for PBKDF2-HMAC-SHA256
const encoder = new TextEncoder();
const decoder = new TextDecoder();
let connection = null;

export async function db() {
  if (!connection) {
    connection = await openDB(DB_NAME, 1, {
      upgrade(database) {
        database.createObjectStore("meta");
        database.createObjectStore("vault");
        database.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
      },
      blocking() {
        // someone (a logout, a wipe in another tab) wants the database gone: let go of it
        connection?.close();
        connection = null;
      },
      terminated() {
        connection = null;
      },
    });
  }
  return connection;
}

export async function getMeta(name) {
  return (await db()).get("meta", name);
}

export async function setMeta(name, value) {
  return (await db()).put("meta", value, name);
}

export async function deriveKey(passphrase, salt) {
  const material = await crypto.subtle.importKey(
    "raw",
    encoder.encode(passphrase),
    "PBKDF2",
    false,
    ["deriveKey"],
  );
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", salt, iterations: ITERATIONS, hash: "SHA-256" },
    material,
    { name: "AES-GCM", length: 256 },
    false, // the key never leaves WebCrypto, and lives only in this page's memory
    ["encrypt", "decrypt"],
  );
}

// `slot` is bound in as additional data, so a ciphertext cannot be moved to another slot.
export async function seal(key, value, slot) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(slot) },
    key,
    encoder.encode(JSON.stringify(value)),
  );
  return { iv, data };
}

export async function unseal(key, sealed, slot) {
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: sealed.iv, additionalData: encoder.encode(slot) },
    key,
    sealed.data,
  );
  return JSON.parse(decoder.decode(plain));
}

export async function putVault(key, name, value) {
  return (await db()).put("vault", await seal(key, value, `vault:${name}`), name);
}

export async function getVault(key, name) {
  const sealed = await (await db()).get("vault", name);
  return sealed ? unseal(key, sealed, `vault:${name}`) : null;
}

export async function deleteVault(name) {
  return (await db()).delete("vault", name);
}

// --- the outbox: writes made here, in order, until the server has them ----------------------

export async function addItem(key, item) {
  const rid = crypto.randomUUID();
  const sealed = await seal(key, item, `outbox:${rid}`);
  return (await db()).add("outbox", { rid, state: item.state, ...sealed });
}

export async function putItem(key, seq, rid, item) {
  const sealed = await seal(key, item, `outbox:${rid}`);
  return (await db()).put("outbox", { seq, rid, state: item.state, ...sealed });
}

export async function items(key) {
  const rows = await (await db()).getAll("outbox");
  const out = [];
  for (const row of rows) {
    out.push({ seq: row.seq, rid: row.rid, ...(await unseal(key, row, `outbox:${row.rid}`)) });
  }
  return out;
}

export async function deleteItem(seq) {
  return (await db()).delete("outbox", seq);
}

export async function unsyncedCount() {
  const rows = await (await db()).getAll("outbox");
  return rows.filter((row) => row.state !== "synced").length;
}

export async function wipeStorage() {
  connection?.close();
  connection = null;
  await deleteDB(DB_NAME);
  if (self.caches) {
    for (const name of await caches.keys()) await caches.delete(name);
  }
}
