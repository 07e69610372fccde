using System.Text.RegularExpressions;
using Google.Protobuf.WellKnownTypes;
using HybridEhr.Contracts.Records.V1;

namespace HybridEhr.Records.Documents;

/// <summary>
/// Checks an <see cref="EhrDocument"/> against the field constraints written in records.proto and reports every
/// broken one with its field path ("document.encounters[0].admitted_at: ..."), so a client can fix them all at once.
/// </summary>
public static partial class DocumentValidator
{
    public const int MaxDocumentBytes = 4 * 1024 * 1024;
    private const int MaxLabel = 256;
    private const int MaxNoteBytes = 1024 * 1024;

    /// <summary>The problems of <paramref name="document"/>, empty when it is valid. <paramref name="canonicalSize"/> is its canonical size in bytes.</summary>
    public static IReadOnlyList<string> Validate(EhrDocument? document, int canonicalSize, string path = "document")
    {
        var errors = new Errors();
        if (document is null)
        {
            errors.Add(path, "is required");
            return errors.List;
        }

        if (canonicalSize > MaxDocumentBytes)
        {
            errors.Add(path, $"is {canonicalSize} bytes in canonical form; the limit is 4 MiB");
        }

        errors.Text(path + ".title", document.Title, 200, required: false);
        ValidateDemographics(document.Demographics, path + ".demographics", errors);

        var encounterIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < document.Encounters.Count; i++)
        {
            var at = $"{path}.encounters[{i}]";
            var encounter = document.Encounters[i];
            if (errors.Identifier(at + ".encounter_id", encounter.EncounterId, required: true) && !encounterIds.Add(encounter.EncounterId))
            {
                errors.Add(at + ".encounter_id", $"'{encounter.EncounterId}' is used by another encounter of this document");
            }

            errors.Enum(at + ".encounter_class", encounter.EncounterClass);
            errors.Text(at + ".admission_type", encounter.AdmissionType, MaxLabel);
            errors.Timestamp(at + ".admitted_at", encounter.AdmittedAt);
            errors.Timestamp(at + ".discharged_at", encounter.DischargedAt);
            errors.NotBefore(at + ".discharged_at", encounter.DischargedAt, encounter.AdmittedAt, "admitted_at");
            errors.Text(at + ".admission_source", encounter.AdmissionSource, MaxLabel);
            errors.Text(at + ".discharge_disposition", encounter.DischargeDisposition, MaxLabel);
            for (var w = 0; w < encounter.WardStays.Count; w++)
            {
                var stay = encounter.WardStays[w];
                var stayAt = $"{at}.ward_stays[{w}]";
                errors.Text(stayAt + ".care_unit", stay.CareUnit, MaxLabel, required: true);
                errors.Timestamp(stayAt + ".entered_at", stay.EnteredAt);
                errors.Timestamp(stayAt + ".left_at", stay.LeftAt);
                errors.NotBefore(stayAt + ".left_at", stay.LeftAt, stay.EnteredAt, "entered_at");
            }

            errors.Account(at + ".attending_doctor_account_id", encounter.AttendingDoctorAccountId);
            errors.Organisation(at + ".organisation_msp_id", encounter.OrganisationMspId);
        }

        for (var i = 0; i < document.Diagnoses.Count; i++)
        {
            var at = $"{path}.diagnoses[{i}]";
            var diagnosis = document.Diagnoses[i];
            errors.EncounterReference(at + ".encounter_id", diagnosis.EncounterId, encounterIds);
            errors.Coding(at + ".code", diagnosis.Code, required: true);
            errors.NonNegative(at + ".sequence", diagnosis.Sequence);
            errors.Timestamp(at + ".recorded_at", diagnosis.RecordedAt);
            errors.Account(at + ".diagnosed_by_account_id", diagnosis.DiagnosedByAccountId);
        }

        for (var i = 0; i < document.Procedures.Count; i++)
        {
            var at = $"{path}.procedures[{i}]";
            var procedure = document.Procedures[i];
            errors.EncounterReference(at + ".encounter_id", procedure.EncounterId, encounterIds);
            errors.Coding(at + ".code", procedure.Code, required: true);
            errors.NonNegative(at + ".sequence", procedure.Sequence);
            errors.Timestamp(at + ".performed_at", procedure.PerformedAt);
            errors.Account(at + ".performed_by_account_id", procedure.PerformedByAccountId);
        }

        for (var i = 0; i < document.Medications.Count; i++)
        {
            var at = $"{path}.medications[{i}]";
            var medication = document.Medications[i];
            errors.EncounterReference(at + ".encounter_id", medication.EncounterId, encounterIds);
            errors.Text(at + ".drug", medication.Drug, MaxLabel, required: true);
            errors.Coding(at + ".code", medication.Code, required: false);
            if (medication.DoseValue.Length > 0 && !DoseValue().IsMatch(medication.DoseValue))
            {
                errors.Add(at + ".dose_value", "must be a decimal (\"500\", \"0.25\") or a range of decimals (\"1-2\")");
            }

            errors.Text(at + ".dose_unit", medication.DoseUnit, MaxLabel);
            errors.Text(at + ".route", medication.Route, MaxLabel);
            errors.Text(at + ".frequency", medication.Frequency, MaxLabel);
            errors.Timestamp(at + ".starts_at", medication.StartsAt);
            errors.Timestamp(at + ".ends_at", medication.EndsAt);
            errors.NotBefore(at + ".ends_at", medication.EndsAt, medication.StartsAt, "starts_at");
            errors.Account(at + ".prescribed_by_account_id", medication.PrescribedByAccountId);
        }

        for (var i = 0; i < document.LabResults.Count; i++)
        {
            var at = $"{path}.lab_results[{i}]";
            var lab = document.LabResults[i];
            errors.EncounterReference(at + ".encounter_id", lab.EncounterId, encounterIds);
            errors.Coding(at + ".test", lab.Test, required: true);
            errors.Text(at + ".value", lab.Value, MaxLabel, required: true);
            errors.Text(at + ".unit", lab.Unit, MaxLabel);
            errors.Decimal(at + ".reference_range_lower", lab.ReferenceRangeLower);
            errors.Decimal(at + ".reference_range_upper", lab.ReferenceRangeUpper);
            errors.Enum(at + ".flag", lab.Flag);
            errors.Text(at + ".specimen", lab.Specimen, MaxLabel);
            errors.Timestamp(at + ".collected_at", lab.CollectedAt);
            errors.Timestamp(at + ".resulted_at", lab.ResultedAt);
            errors.NotBefore(at + ".resulted_at", lab.ResultedAt, lab.CollectedAt, "collected_at");
        }

        for (var i = 0; i < document.VitalSigns.Count; i++)
        {
            var at = $"{path}.vital_signs[{i}]";
            var vital = document.VitalSigns[i];
            errors.EncounterReference(at + ".encounter_id", vital.EncounterId, encounterIds);
            errors.Coding(at + ".measurement", vital.Measurement, required: true);
            if (!Decimal().IsMatch(vital.Value) && !BloodPressure().IsMatch(vital.Value))
            {
                errors.Add(at + ".value", "must be a decimal (\"72\", \"36.8\") or systolic/diastolic (\"120/80\")");
            }

            errors.Text(at + ".unit", vital.Unit, MaxLabel);
            errors.Timestamp(at + ".measured_at", vital.MeasuredAt);
        }

        for (var i = 0; i < document.Allergies.Count; i++)
        {
            var at = $"{path}.allergies[{i}]";
            var allergy = document.Allergies[i];
            errors.Text(at + ".substance", allergy.Substance, MaxLabel, required: true);
            errors.Coding(at + ".code", allergy.Code, required: false);
            errors.Text(at + ".reaction", allergy.Reaction, MaxLabel);
            errors.Enum(at + ".severity", allergy.Severity);
            errors.Timestamp(at + ".recorded_at", allergy.RecordedAt);
        }

        var noteIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < document.Notes.Count; i++)
        {
            var at = $"{path}.notes[{i}]";
            var note = document.Notes[i];
            if (errors.Identifier(at + ".note_id", note.NoteId, required: true) && !noteIds.Add(note.NoteId))
            {
                errors.Add(at + ".note_id", $"'{note.NoteId}' is used by another note of this document");
            }

            errors.EncounterReference(at + ".encounter_id", note.EncounterId, encounterIds);
            errors.Enum(at + ".note_type", note.NoteType);
            errors.Account(at + ".author_account_id", note.AuthorAccountId);
            errors.Timestamp(at + ".written_at", note.WrittenAt);
            if (note.Text.Length == 0)
            {
                errors.Add(at + ".text", "is required");
            }
            else if (System.Text.Encoding.UTF8.GetByteCount(note.Text) > MaxNoteBytes)
            {
                errors.Add(at + ".text", "is longer than 1 MiB of UTF-8");
            }
            else
            {
                errors.WellFormed(at + ".text", note.Text, allowLineBreaks: true);
            }
        }

        var tokenIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < document.Images.Count; i++)
        {
            var at = $"{path}.images[{i}]";
            var image = document.Images[i];
            if (!ChainIdentifier().IsMatch(image.TokenId))
            {
                errors.Add(at + ".token_id", "must be 1-128 characters of A-Z, a-z, 0-9, '.', '_', ':' and '-'");
            }
            else if (!tokenIds.Add(image.TokenId))
            {
                errors.Add(at + ".token_id", $"'{image.TokenId}' is listed twice");
            }

            if (image.ContentHash.Length > 0 && !Sha256Hex().IsMatch(image.ContentHash))
            {
                errors.Add(at + ".content_hash", "must be a SHA-256 as 64 lower-case hexadecimal characters");
            }

            errors.Text(at + ".modality", image.Modality, 16);
            errors.Text(at + ".description", image.Description, MaxLabel);
            errors.EncounterReference(at + ".encounter_id", image.EncounterId, encounterIds);
            errors.Timestamp(at + ".taken_at", image.TakenAt);
        }

        return errors.List;
    }

    /// <summary>Image token ids in document order, as the chain anchors them.</summary>
    public static IReadOnlyList<string> ImageTokenIds(EhrDocument document) => [.. document.Images.Select(i => i.TokenId)];

    private static void ValidateDemographics(Demographics? demographics, string at, Errors errors)
    {
        if (demographics is null)
        {
            return;
        }

        errors.Enum(at + ".sex", demographics.Sex);
        if (demographics.BirthDate is { } birth)
        {
            if (birth.Year is < 1900 or > 9999 || birth.Month is < 1 or > 12 || birth.Day < 1 || birth.Day > DateTime.DaysInMonth(birth.Year, birth.Month))
            {
                errors.Add(at + ".birth_date", "must be a real calendar date between 1900-01-01 and 9999-12-31");
            }
        }

        errors.Timestamp(at + ".deceased_at", demographics.DeceasedAt);
        errors.Text(at + ".race_ethnicity", demographics.RaceEthnicity, MaxLabel);
        if (demographics.PreferredLanguage.Length > 0 && !LanguageTag().IsMatch(demographics.PreferredLanguage))
        {
            errors.Add(at + ".preferred_language", "must be a BCP 47 language tag such as \"es\" or \"en-GB\"");
        }

        errors.Text(at + ".marital_status", demographics.MaritalStatus, MaxLabel);
        errors.Text(at + ".insurance", demographics.Insurance, MaxLabel);
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex DocumentIdentifier();

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,128}$")]
    private static partial Regex ChainIdentifier();

    [GeneratedRegex("^0x[0-9a-f]{64}$")]
    internal static partial Regex AccountId();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex OrganisationId();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Hex();

    [GeneratedRegex(@"^-?[0-9]+(\.[0-9]+)?$")]
    private static partial Regex Decimal();

    [GeneratedRegex(@"^[0-9]+(\.[0-9]+)?(-[0-9]+(\.[0-9]+)?)?$")]
    private static partial Regex DoseValue();

    [GeneratedRegex(@"^[0-9]{1,3}/[0-9]{1,3}$")]
    private static partial Regex BloodPressure();

    [GeneratedRegex("^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")]
    private static partial Regex LanguageTag();

    private sealed class Errors
    {
        public List<string> List { get; } = [];

        public void Add(string path, string problem) => List.Add($"{path}: {problem}");

        public void Text(string path, string value, int maxLength, bool required = false)
        {
            if (value.Length == 0)
            {
                if (required)
                {
                    Add(path, "is required");
                }

                return;
            }

            if (value.Length > maxLength)
            {
                Add(path, $"is longer than {maxLength} characters");
                return;
            }

            WellFormed(path, value, allowLineBreaks: false);
        }

        /// <summary>Labels are single lines; no text may hold a lone surrogate, which has no UTF-8 form to hash.</summary>
        public void WellFormed(string path, string value, bool allowLineBreaks)
        {
            for (var i = 0; i < value.Length; i++)
            {
                var c = value[i];
                if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                {
                    i++;
                    continue;
                }

                if (char.IsSurrogate(c))
                {
                    Add(path, "holds an invalid character (a lone UTF-16 surrogate)");
                    return;
                }

                if (char.IsControl(c) && !(allowLineBreaks && c is '\n' or '\r' or '\t'))
                {
                    Add(path, allowLineBreaks ? "holds a control character" : "must be one line without control characters");
                    return;
                }
            }
        }

        public bool Identifier(string path, string value, bool required)
        {
            if (value.Length == 0 && !required)
            {
                return false;
            }

            if (!DocumentIdentifier().IsMatch(value))
            {
                Add(path, "must be 1-64 characters of A-Z, a-z, 0-9, '-', '_' and '.'");
                return false;
            }

            return true;
        }

        public void EncounterReference(string path, string value, HashSet<string> encounterIds)
        {
            if (value.Length > 0 && !encounterIds.Contains(value))
            {
                Add(path, $"names encounter '{value}', which this document does not have");
            }
        }

        public void Account(string path, string value)
        {
            if (value.Length > 0 && !AccountId().IsMatch(value))
            {
                Add(path, "must be an account id: 0x followed by 64 lower-case hexadecimal characters");
            }
        }

        public void Organisation(string path, string value)
        {
            if (value.Length > 0 && !OrganisationId().IsMatch(value))
            {
                Add(path, "must be an MSP id of 1-64 characters of A-Z, a-z, 0-9, '.', '_' and '-'");
            }
        }

        public void Decimal(string path, string value)
        {
            if (value.Length > 0 && !Documents.DocumentValidator.Decimal().IsMatch(value))
            {
                Add(path, "must be a decimal number written as text, e.g. \"7.35\"");
            }
        }

        public void NonNegative(string path, int value)
        {
            if (value < 0)
            {
                Add(path, "must not be negative (0 = not ranked)");
            }
        }

        public void Enum<T>(string path, T value)
            where T : struct, System.Enum
        {
            if (!System.Enum.IsDefined(value))
            {
                Add(path, $"{Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)} is not a value of {typeof(T).Name}");
            }
        }

        public void Timestamp(string path, Timestamp? value)
        {
            if (value is not null && (value.Seconds < -2208988800 || value.Seconds > 253402300799 || value.Nanos is < 0 or > 999_999_999))
            {
                Add(path, "must be a valid time between 1900 and 9999");
            }
        }

        public void NotBefore(string path, Timestamp? later, Timestamp? earlier, string earlierName)
        {
            if (later is not null && earlier is not null && later.CompareTo(earlier) < 0)
            {
                Add(path, $"is before {earlierName}");
            }
        }

        public void Coding(string path, Coding? coding, bool required)
        {
            if (coding is null)
            {
                if (required)
                {
                    Add(path, "is required");
                }

                return;
            }

            if (coding.System == CodeSystem.Unspecified)
            {
                Add(path + ".system", "is required (which terminology the code belongs to)");
            }
            else
            {
                Enum(path + ".system", coding.System);
            }

            if (coding.Code.Length is 0 or > 64)
            {
                Add(path + ".code", "must be 1-64 characters");
            }
            else
            {
                WellFormed(path + ".code", coding.Code, allowLineBreaks: false);
            }

            Text(path + ".display", coding.Display, MaxLabel);
            if (coding.System == CodeSystem.Local)
            {
                Text(path + ".local_system_name", coding.LocalSystemName, 64, required: true);
            }
            else if (coding.LocalSystemName.Length > 0)
            {
                Add(path + ".local_system_name", "is only for CODE_SYSTEM_LOCAL");
            }
        }
    }
}
