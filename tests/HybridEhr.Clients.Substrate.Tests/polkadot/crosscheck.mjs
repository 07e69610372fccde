// The independent reference for the C# Substrate client tests: each command reads one JSON request on stdin and
// writes one JSON answer on stdout, using polkadot-js only (no code of ours).
import { readFileSync } from 'node:fs';
import { TypeRegistry, Metadata } from '@polkadot/types';
import { expandMetadata } from '@polkadot/types/metadata/decorate';
import { Abi } from '@polkadot/api-contract';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex, hexToU8a, compactStripLength, compactToU8a, stringToU8a, u8aConcat } from '@polkadot/util';
import { blake2AsU8a, xxhashAsU8a, ed25519Verify, cryptoWaitReady, encodeAddress } from '@polkadot/util-crypto';
import contractsNodeV14 from '@polkadot/types-support/metadata/v14/substrate-contracts-node-hex';
import substrateV14 from '@polkadot/types-support/metadata/v14/substrate-hex';
import substrateV15 from '@polkadot/types-support/metadata/v15/substrate-hex';

const blobs = {
  'substrate-contracts-node-v14': contractsNodeV14,
  'substrate-v14': substrateV14,
  'substrate-v15': substrateV15,
};

function load(name) {
  const hex = blobs[name];
  if (!hex) throw new Error(`unknown metadata ${name}`);
  const registry = new TypeRegistry();
  // Blobs from Metadata_metadata_at_version come wrapped as Option<Vec<u8>>; state_getMetadata's are bare.
  const bare = hex.startsWith('0x6d657461') ? hex : u8aToHex(compactStripLength(hexToU8a(hex).subarray(1))[1]);
  const metadata = new Metadata(registry, bare);
  registry.setMetadata(metadata);
  return { registry, metadata, hex };
}

const commands = {
  // The raw metadata bytes, for the C# side to decode itself.
  metadataHex: ({ name }) => ({ hex: load(name).hex }),

  // Every pallet with its index and every call with its index, plus the declared signed extensions.
  metadataIndices: ({ name }) => {
    const { registry, metadata } = load(name);
    const latest = metadata.asLatest;
    const pallets = latest.pallets.map((pallet) => ({
      name: pallet.name.toString(),
      index: pallet.index.toNumber(),
      calls: pallet.calls.isSome
        ? registry.lookup.getSiType(pallet.calls.unwrap().type).def.asVariant.variants
          .map((v) => ({ name: v.name.toString(), index: v.index.toNumber() }))
        : [],
    }));
    const signedExtensions = (latest.extrinsic.signedExtensions ?? latest.extrinsic.transactionExtensions).map((e) => e.identifier.toString());
    return { version: metadata.version, pallets, signedExtensions };
  },

  // Decodes a signed extrinsic and checks its signature against the payload polkadot-js rebuilds from the
  // extrinsic's own fields plus the chain facts given (spec/tx version, genesis and era block hashes).
  decodeExtrinsic: ({ name, hex, specVersion, transactionVersion, genesisHash, blockHash }) => {
    const { registry } = load(name);
    const extrinsic = registry.createType('Extrinsic', hex);
    const signer = extrinsic.signer.toU8a().slice(-32);
    const payload = registry.createType('ExtrinsicPayload', {
      method: extrinsic.method.toHex(),
      era: extrinsic.era.toHex(),
      nonce: extrinsic.nonce.toNumber(),
      tip: extrinsic.tip.toString(),
      specVersion,
      transactionVersion,
      genesisHash,
      blockHash,
      mode: 0,
      metadataHash: null,
      assetId: null,
      version: 4,
    }, { version: 4 });
    let message = payload.toU8a({ method: true });
    if (message.length > 256) message = blake2AsU8a(message, 256);
    const signature = extrinsic.signature.toU8a();
    const multi = registry.createType('ExtrinsicSignatureV4', extrinsic.inner.signature.toU8a());
    return {
      isSigned: extrinsic.isSigned,
      version: extrinsic.version,
      signer: u8aToHex(signer),
      signatureType: multi.multiSignature.type,
      section: extrinsic.method.section,
      method: extrinsic.method.method,
      callIndex: u8aToHex(extrinsic.method.callIndex),
      callHex: extrinsic.method.toHex(),
      args: extrinsic.method.toJSON().args,
      nonce: extrinsic.nonce.toNumber(),
      tip: extrinsic.tip.toString(),
      eraIsMortal: extrinsic.era.isMortalEra,
      eraPeriod: extrinsic.era.isMortalEra ? extrinsic.era.asMortalEra.period.toNumber() : 0,
      eraPhase: extrinsic.era.isMortalEra ? extrinsic.era.asMortalEra.phase.toNumber() : 0,
      signatureValid: ed25519Verify(message, signature, signer),
      encodedLength: extrinsic.encodedLength,
    };
  },

  // Storage keys through the decorated metadata, and the raw hashers on the given inputs.
  storageKeys: ({ name, accounts, hashInputs }) => {
    const { registry, metadata } = load(name);
    const decorated = expandMetadata(registry, metadata);
    return {
      systemEvents: u8aToHex(compactStripLength(decorated.query.system.events())[1]),
      systemAccount: accounts.map((a) => u8aToHex(compactStripLength(decorated.query.system.account(a))[1])),
      hashes: hashInputs.map((h) => ({
        twox64: u8aToHex(xxhashAsU8a(hexToU8a(h), 64)),
        twox128: u8aToHex(xxhashAsU8a(hexToU8a(h), 128)),
        twox256: u8aToHex(xxhashAsU8a(hexToU8a(h), 256)),
        blake2_128: u8aToHex(blake2AsU8a(hexToU8a(h), 128)),
        blake2_256: u8aToHex(blake2AsU8a(hexToU8a(h), 256)),
      })),
    };
  },

  // Selectors (from the metadata file and computed from labels) and call data for the given calls.
  contractAbi: ({ metadataPath, calls, returns }) => {
    const abi = new Abi(JSON.parse(readFileSync(metadataPath, 'utf8')));
    return {
      messages: abi.messages.map((m) => ({
        label: m.method === m.identifier ? m.identifier : m.identifier,
        identifier: m.identifier,
        selector: m.selector.toHex(),
        blake2Selector: u8aToHex(blake2AsU8a(stringToU8a(m.identifier), 256).slice(0, 4)),
        args: m.args.map((a) => a.name),
      })),
      constructors: abi.constructors.map((c) => ({ identifier: c.identifier, selector: c.selector.toHex() })),
      events: abi.events.map((e) => ({ identifier: e.identifier, signatureTopic: e.signatureTopic ?? null })),
      callData: calls.map(({ label, args }) => u8aToHex(compactStripLength(abi.findMessage(label).toU8a(args))[1])),
      returnData: returns.map(({ label, value }) => {
        const message = abi.findMessage(label);
        return u8aToHex(abi.registry.createType(message.returnType.lookupName || message.returnType.type, value).toU8a());
      }),
    };
  },

  // SCALE encodings of values of polkadot-js type names (or struct definitions), optionally with a runtime's types.
  encode: ({ name, items }) => {
    const registry = name ? load(name).registry : new TypeRegistry();
    return { hex: items.map(({ type, value }) => u8aToHex(registry.createType(type, value).toU8a())) };
  },

  // System.Events bytes for the given events, each encoded by the argument types the runtime declares; polkadot-js
  // then decodes them back, to prove the bytes are what a node would store.
  eventRecords: ({ name, records }) => {
    const { registry, metadata } = load(name);
    const parts = records.map(({ extrinsicIndex, pallet, event, args, topics }) => {
      const palletMeta = metadata.asLatest.pallets.find((p) => p.name.toString() === pallet);
      const variant = registry.lookup.getSiType(palletMeta.events.unwrap().type).def.asVariant.variants
        .find((v) => v.name.toString() === event);
      const fields = variant.fields.map((f, i) => registry.createType(registry.createLookupType(f.type), args[i]).toU8a());
      return u8aConcat(
        registry.createType('Phase', extrinsicIndex === null ? { Initialization: null } : { ApplyExtrinsic: extrinsicIndex }).toU8a(),
        new Uint8Array([palletMeta.index.toNumber(), variant.index.toNumber()]),
        ...fields,
        registry.createType('Vec<H256>', topics).toU8a());
    });
    const bytes = u8aConcat(compactToU8a(parts.length), ...parts);
    const decoded = registry.createType('Vec<EventRecord>', bytes);
    return {
      hex: u8aToHex(bytes),
      decoded: decoded.map((r) => `${r.event.section}.${r.event.method}`),
    };
  },

  // Dev accounts and SS58 addresses from the keyring.
  keys: ({ uris, accounts }) => {
    const keyring = new Keyring({ type: 'ed25519' });
    return {
      publicKeys: uris.map((uri) => u8aToHex(keyring.addFromUri(uri).publicKey)),
      ss58: accounts.map((a) => encodeAddress(a, 42)),
    };
  },

  // Signs with the keyring so the C# side can verify a foreign signature.
  sign: ({ uri, messageHex }) => {
    const pair = new Keyring({ type: 'ed25519' }).addFromUri(uri);
    return { publicKey: u8aToHex(pair.publicKey), signature: u8aToHex(pair.sign(hexToU8a(messageHex))) };
  },
};

await cryptoWaitReady();
const [command] = process.argv.slice(2);
const input = JSON.parse(readFileSync(0, 'utf8') || '{}');
const handler = commands[command];
if (!handler) {
  process.stderr.write(`unknown command ${command}\n`);
  process.exit(2);
}
process.stdout.write(JSON.stringify(handler(input)));
