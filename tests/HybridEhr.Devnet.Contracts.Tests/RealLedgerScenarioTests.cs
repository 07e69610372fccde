using System.Text.Json.Nodes;
using HybridEhr.Devnet.Contracts.Tests.Scenarios;
using HybridEhr.Devnet.Ledger;

namespace HybridEhr.Devnet.Contracts.Tests;

/// <summary>
/// Every scenario of chaincode/spec/ again, this time through the real devnet ledger: signed transactions, blocks on
/// disk, membership from genesis and enrolment, block time as the contract's clock.
/// </summary>
public sealed class RealLedgerScenarioTests
{
    public static TheoryData<string, string> Scenarios() => ScenarioTests.Scenarios();

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Scenario_passes_on_the_devnet_ledger(string fileName, string scenarioName)
    {
        var file = SpecCatalog.FileNamed(fileName);
        var scenario = file.Scenarios.Single(candidate => candidate.Name == scenarioName);
        await using var ledger = await ScenarioLedger.OpenAsync(file);

        await Task.Run(() => ScenarioRunner.Run(file, scenario, ledger.Execute, ledger.AccountOf));
    }

    /// <summary>A fresh ledger whose genesis and enrolments give every actor of a spec file its identity.</summary>
    private sealed class ScenarioLedger : IAsyncDisposable
    {
        private readonly DevnetLedger _ledger;
        private readonly ScenarioClock _clock;
        private readonly Dictionary<string, DevnetKey> _keysByAccount;
        private readonly Dictionary<string, long> _nonces = new(StringComparer.Ordinal);
        private readonly string _directory;
        private readonly string _chainId;

        private ScenarioLedger(DevnetLedger ledger, ScenarioClock clock, Dictionary<string, DevnetKey> keys, string directory, string chainId)
        {
            _ledger = ledger;
            _clock = clock;
            _keysByAccount = keys;
            _directory = directory;
            _chainId = chainId;
        }

        public static async Task<ScenarioLedger> OpenAsync(SpecFile file)
        {
            var keys = file.Actors.Keys.ToDictionary(name => name, name => DevnetKey.FromSeed(System.Security.Cryptography.SHA256.HashData(
                System.Text.Encoding.UTF8.GetBytes("spec-actor:" + name))), StringComparer.Ordinal);
            static string? Role(SpecActor actor) => actor.Attributes.GetValueOrDefault(MembershipRoles.AttributeName);

            // Genesis: organisation admins and network admins exactly as the actors say. An organisation named by
            // members but without an admin actor gets an admin of its own, only to enrol them.
            var organizations = file.Actors.Values.Where(a => a.Organization is not null).Select(a => a.Organization!).Distinct().Order(StringComparer.Ordinal).ToList();
            var admins = organizations.ToDictionary(
                org => org,
                org => file.Actors.Values.Where(a => a.Organization == org && Role(a) == MembershipRoles.OrganizationAdmin).Select(a => keys[a.Name]).ToList(),
                StringComparer.Ordinal);
            foreach (var org in organizations.Where(org => admins[org].Count == 0))
            {
                admins[org].Add(DevnetKey.FromSeed(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("spec-org-admin:" + org))));
            }

            var chainId = "spec-" + file.Contract;
            var genesis = new GenesisConfig(
                chainId,
                [.. organizations.Select(org => new OrganizationConfig(org, [.. admins[org].Select(k => k.AccountId)]))],
                RequireEnrollment: false,
                NetworkAdminAccountIds: [.. file.Actors.Values.Where(a => Role(a) == MembershipRoles.NetworkAdmin).Select(a => keys[a.Name].AccountId)]);

            var directory = Path.Combine(Path.GetTempPath(), "spec-ledger-" + Guid.NewGuid().ToString("N"));
            var clock = new ScenarioClock(ScenarioRunner.Epoch);
            var ledger = await DevnetLedger.OpenAsync(
                new LedgerOptions { DataDirectory = directory, Genesis = genesis, TimeProvider = clock },
                [SpecCatalog.CreateContract(file.Contract)]);
            var scenarioLedger = new ScenarioLedger(ledger, clock, keys.Values.ToDictionary(k => k.AccountId, StringComparer.Ordinal), directory, chainId);

            foreach (var actor in file.Actors.Values.Where(a => a.Organization is not null && Role(a) != MembershipRoles.OrganizationAdmin))
            {
                var attributes = new JsonObject();
                foreach (var (key, value) in actor.Attributes)
                {
                    attributes[key] = value.StartsWith("$sha256:", StringComparison.Ordinal)
                        ? Placeholders.Sha256Hex(value["$sha256:".Length..])
                        : value;
                }

                var outcome = await scenarioLedger.SubmitAsync(admins[actor.Organization!][0], "_membership", "enroll",
                    new JsonObject { ["account"] = keys[actor.Name].AccountId, ["attributes"] = attributes });
                Assert.True(outcome.IsValid, $"enrolling {actor.Name}: {outcome.CodeName} {outcome.ErrorCode} {outcome.Message}");
            }

            scenarioLedger._accountsByActor = keys.ToDictionary(p => p.Key, p => p.Value.AccountId, StringComparer.Ordinal);
            return scenarioLedger;
        }

        private Dictionary<string, string> _accountsByActor = [];

        public string AccountOf(string actor) => _accountsByActor[actor];

        public StepOutcome Execute(StepCall call)
        {
            _clock.Set(call.Timestamp);
            if (SpecCatalog.CreateContract(call.Contract).IsQuery(call.Function))
            {
                var query = _ledger.Query(call.Contract, call.Function, call.Args, call.Caller.AccountId);
                return query.IsValid
                    ? StepOutcome.Success(Parse(query.ResultJson), [])
                    : StepOutcome.Failure(query.ErrorCode ?? query.Code.ToWireName(), query.Message ?? "");
            }

            var outcome = SubmitAsync(_keysByAccount[call.Caller.AccountId], call.Contract, call.Function, call.Args).GetAwaiter().GetResult();
            return outcome.IsValid
                ? StepOutcome.Success(Parse(outcome.ResultJson), [.. outcome.Events.Select(e => new EmittedEvent(e.Name, JsonNode.Parse(e.PayloadJson)!.AsObject()))])
                : StepOutcome.Failure(outcome.ErrorCode ?? outcome.CodeName, outcome.Message ?? "");
        }

        public async ValueTask DisposeAsync()
        {
            await _ledger.DisposeAsync();
            Directory.Delete(_directory, recursive: true);
        }

        private async Task<TransactionOutcome> SubmitAsync(DevnetKey signer, string contract, string function, JsonObject args)
        {
            var nonce = _nonces.GetValueOrDefault(signer.AccountId);
            _nonces[signer.AccountId] = nonce + 1;
            var transaction = SignedTransaction.Create(signer, _chainId, contract, function, args, nonce, _clock.GetUtcNow().ToUnixTimeMilliseconds());
            return await _ledger.SubmitAsync(transaction);
        }

        private static JsonNode? Parse(string? json) => string.IsNullOrEmpty(json) ? null : JsonNode.Parse(json);
    }

    /// <summary>The scenario's clock: blocks are stamped with the time the current step says.</summary>
    private sealed class ScenarioClock(long start) : TimeProvider
    {
        private long _now = start;

        public void Set(long unixMilliseconds) => Interlocked.Exchange(ref _now, unixMilliseconds);

        public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(Interlocked.Read(ref _now));
    }
}
