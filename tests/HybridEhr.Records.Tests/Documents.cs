using Google.Protobuf.WellKnownTypes;
using HybridEhr.Contracts.Records.V1;

namespace HybridEhr.Records.Tests;

/// <summary>Sample EHR documents shaped like a MIMIC-IV admission.</summary>
public static class Documents
{
    public static byte[] CanonicalJson(EhrDocument document) => HybridEhr.Records.Documents.CanonicalJson.Serialize(document);

    public static EhrDocument Pneumonia(string title = "Admission 2026-03 pneumonia")
    {
        var admitted = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 3, 2, 8, 30, 0, TimeSpan.Zero));
        var discharged = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 3, 9, 12, 0, 0, TimeSpan.Zero));
        var document = new EhrDocument
        {
            Title = title,
            Demographics = new Demographics { Sex = AdministrativeSex.Female, BirthDate = new Date { Year = 1958, Month = 2, Day = 28 }, PreferredLanguage = "es", Insurance = "Medicare" },
        };
        document.Encounters.Add(new Encounter
        {
            EncounterId = "adm-1", EncounterClass = EncounterClass.Inpatient, AdmissionType = "EW EMER.", AdmittedAt = admitted, DischargedAt = discharged,
            AdmissionSource = "EMERGENCY ROOM", DischargeDisposition = "HOME",
            WardStays = { new WardStay { CareUnit = "Medical Intensive Care Unit (MICU)", EnteredAt = admitted, LeftAt = discharged } },
        });
        document.Diagnoses.Add(new Diagnosis { EncounterId = "adm-1", Code = new Coding { System = CodeSystem.Icd10Cm, Code = "J18.9", Display = "Pneumonia, unspecified organism" }, Sequence = 1 });
        document.Procedures.Add(new Procedure { EncounterId = "adm-1", Code = new Coding { System = CodeSystem.Icd10Pcs, Code = "BW03ZZZ", Display = "Chest X-ray" }, Sequence = 1, PerformedAt = admitted });
        document.Medications.Add(new Medication { EncounterId = "adm-1", Drug = "Azithromycin", DoseValue = "500", DoseUnit = "mg", Route = "PO", Frequency = "Q8H", StartsAt = admitted });
        document.LabResults.Add(new LabResult
        {
            EncounterId = "adm-1", Test = new Coding { System = CodeSystem.Loinc, Code = "2345-7", Display = "Glucose" }, Value = "7.41", Unit = "mmol/L",
            ReferenceRangeLower = "3.9", ReferenceRangeUpper = "7.8", Flag = ResultFlag.Normal, Specimen = "Blood", CollectedAt = admitted,
        });
        document.VitalSigns.Add(new VitalSign { EncounterId = "adm-1", Measurement = new Coding { System = CodeSystem.Loinc, Code = "8867-4", Display = "Heart rate" }, Value = "92", Unit = "/min", MeasuredAt = admitted });
        document.Allergies.Add(new Allergy { Substance = "Penicillin", Reaction = "Hives", Severity = AllergySeverity.Moderate });
        document.Notes.Add(new ClinicalNote { NoteId = "n-1", EncounterId = "adm-1", NoteType = NoteType.DischargeSummary, WrittenAt = discharged, Text = "Señora de 68 años.\nAlta a domicilio \"estable\"." });
        return document;
    }
}
