using System.Text.Json.Nodes;
using HybridEhr.Devnet.Contracts.Common;
using HybridEhr.Devnet.Ledger;

namespace HybridEhr.Devnet.Contracts.Records;

/// <summary>The data of a new record version, as the writing doctor gives it.</summary>
internal sealed record RecordContent(string PlaintextHash, string CiphertextHash, IReadOnlyList<string>? ImageTokenIds);

/// <summary>EHR anchors: versioned, never deleted; each version is one modification of the record's key.</summary>
internal sealed class RecordBook(IContractContext context, ImageTokenBook tokens)
{
    private readonly TypedState state = new(context);

    public EhrRecord? Find(string recordId) => state.Get<EhrRecord>(RecordsKeys.Record(recordId));

    public EhrRecord Require(string recordId) =>
        Find(recordId) ?? throw new ContractException(RecordsErrors.RecordNotFound, $"record {recordId} does not exist");

    public EhrRecord Create(string recordId, string patient, RecordContent content, string organization)
    {
        if (state.Exists(RecordsKeys.Record(recordId)))
        {
            throw new ContractException(RecordsErrors.RecordExists, $"record {recordId} already exists");
        }

        var imageTokenIds = content.ImageTokenIds ?? [];
        tokens.RequireImagesOf(recordId, patient, imageTokenIds);
        var record = new EhrRecord(
            recordId, patient, 1, content.PlaintextHash, content.CiphertextHash, imageTokenIds,
            context.Caller.AccountId, organization, context.Timestamp, context.Timestamp);
        state.Put(RecordsKeys.Record(recordId), record);
        state.Put(RecordsKeys.PatientRecord(patient, recordId), new IdIndex(recordId));
        context.EmitEvent("RecordCreated", Summary(record));
        return record;
    }

    /// <summary>Writes the next version; a stale expected version means someone else wrote first.</summary>
    public EhrRecord Update(string recordId, long expectedVersion, RecordContent content, string organization)
    {
        var current = Require(recordId);
        if (current.Version != expectedVersion)
        {
            throw new ContractException(
                RecordsErrors.VersionConflict,
                $"record {recordId} is at version {current.Version}, not {expectedVersion}");
        }

        var imageTokenIds = content.ImageTokenIds ?? current.ImageTokenIds;
        tokens.RequireImagesOf(recordId, current.Patient, imageTokenIds);
        var updated = current with
        {
            Version = current.Version + 1,
            PlaintextHash = content.PlaintextHash,
            CiphertextHash = content.CiphertextHash,
            ImageTokenIds = imageTokenIds,
            Author = context.Caller.AccountId,
            Organization = organization,
            UpdatedAt = context.Timestamp,
        };
        state.Put(RecordsKeys.Record(recordId), updated);
        context.EmitEvent("RecordUpdated", Summary(updated));
        return updated;
    }

    public IEnumerable<RecordHistoryEntry> History(string recordId)
    {
        var entries = context.GetHistory(RecordsKeys.Record(recordId))
            .Where(modification => !modification.IsDelete && modification.Value is not null)
            .Select(modification => new RecordHistoryEntry(
                modification.TransactionId, modification.Timestamp, ContractJson.FromBytes<EhrRecord>(modification.Value!)))
            .ToList();
        return entries.Count > 0
            ? entries
            : throw new ContractException(RecordsErrors.RecordNotFound, $"record {recordId} has no committed history");
    }

    public IEnumerable<EhrRecord> OfPatient(string patient) =>
        state.Scan<IdIndex>(RecordsKeys.RecordsOfPatient(patient)).Select(index => Require(index.Id));

    private static JsonObject Summary(EhrRecord record) => new()
    {
        ["record_id"] = record.RecordId,
        ["patient"] = record.Patient,
        ["version"] = record.Version,
        ["plaintext_hash"] = record.PlaintextHash,
        ["ciphertext_hash"] = record.CiphertextHash,
        ["author"] = record.Author,
        ["organization"] = record.Organization,
    };
}
