using System.Text.Json;

namespace HybridEhr.Testing.Substrate.Tests;

/// <summary>
/// polkadot-js as the independent judge of what the simulator produced, run from the npm folder the simulator's
/// metadata loader installs (tests/HybridEhr.Clients.Substrate.Tests/polkadot). Its crosscheck.mjs is reused for
/// extrinsics; <see cref="Script"/> decodes System.Events and ContractsApi_call results with the runtime's types.
/// </summary>
public static class PolkadotJsCheck
{
    private const string Script = """
        import { readFileSync } from 'node:fs';
        import { TypeRegistry, Metadata } from '@polkadot/types';
        import { u8aToHex } from '@polkadot/util';
        import hex from '@polkadot/types-support/metadata/v14/substrate-contracts-node-hex';
        const input = JSON.parse(readFileSync(0, 'utf8'));
        const registry = new TypeRegistry();
        const metadata = new Metadata(registry, hex);
        registry.setMetadata(metadata);
        const events = registry.createType('Vec<EventRecord>', input.events);
        const dryRun = registry.createType(JSON.stringify({
          gasConsumed: 'Weight', gasRequired: 'Weight', storageDeposit: 'StorageDeposit', debugMessage: 'Text',
          result: 'ContractExecResultResult', events: 'Option<Vec<EventRecord>>' }), input.dryRun);
        process.stdout.write(JSON.stringify({
          events: events.map((r) => ({
            name: `${r.event.section}.${r.event.method}`,
            phase: r.phase.isApplyExtrinsic ? r.phase.asApplyExtrinsic.toNumber() : -1,
            topics: r.topics.map((t) => t.toHex()),
            data: r.event.method === 'ContractEmitted' ? r.event.data[1].toHex() : null,
          })),
          eventsLength: events.encodedLength,
          dryRun: {
            length: dryRun.encodedLength,
            refTime: dryRun.gasRequired.refTime.toString(),
            isCharge: dryRun.storageDeposit.isCharge,
            charge: dryRun.storageDeposit.isCharge ? dryRun.storageDeposit.asCharge.toString() : '0',
            isOk: dryRun.result.isOk,
            flags: dryRun.result.isOk ? dryRun.result.asOk.flags.toNumber() : -1,
            data: dryRun.result.isOk ? u8aToHex(dryRun.result.asOk.data) : null,
          },
        }));
        """;

    public static string Folder => ContractsNodeMetadata.NpmFolder(RepositoryRoot.Find());

    public static JsonElement Decode(string eventsHex, string dryRunHex) =>
        Run(["--input-type=module", "-e", Script], new { events = eventsHex, dryRun = dryRunHex });

    public static JsonElement DecodeExtrinsic(object request) => Run(["crosscheck.mjs", "decodeExtrinsic"], request);

    private static JsonElement Run(string[] arguments, object input)
    {
        var (exitCode, stdout, stderr) = ExternalTool.Run(
            "node", arguments, Folder, TimeSpan.FromMinutes(2), "the polkadot-js checks of the simulator need Node.js", JsonSerializer.Serialize(input));
        Assert.True(exitCode == 0, $"node failed ({exitCode}): {stderr}");
        using var document = JsonDocument.Parse(stdout);
        return document.RootElement.Clone();
    }
}
