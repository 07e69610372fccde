using Google.Protobuf.WellKnownTypes;
using HybridEhr.Contracts.Records.V1;
using HybridEhr.Records.Documents;
using Xunit;

namespace HybridEhr.Records.Tests;

public sealed class DocumentValidatorTests
{
    [Fact]
    public void A_complete_mimic_style_document_is_valid()
    {
        var document = Documents.Pneumonia();

        Assert.Empty(DocumentValidator.Validate(document, CanonicalJson.Serialize(document).Length));
    }

    [Fact]
    public void Every_problem_is_reported_with_its_field_path()
    {
        var document = Documents.Pneumonia();
        document.Title = new string('x', 201);
        document.Demographics.BirthDate = new Date { Year = 2023, Month = 2, Day = 29 };
        document.Encounters.Add(new Encounter { EncounterId = "adm-1" });
        document.Encounters[0].DischargedAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero));
        document.Diagnoses.Add(new Diagnosis { EncounterId = "adm-9", Code = new Coding { Code = "J18.9" } });
        document.LabResults[0].ReferenceRangeLower = "low";
        document.Medications[0].PrescribedByAccountId = "alice";
        document.Notes[0].Text = "";
        document.Images.Add(new ImageReference { TokenId = "img 1" });

        var errors = DocumentValidator.Validate(document, 1000);

        Assert.Contains(errors, e => e.StartsWith("document.title:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("document.demographics.birth_date:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("document.encounters[1].encounter_id:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("document.encounters[0].discharged_at: is before admitted_at", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("document.diagnoses[1].encounter_id:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("document.diagnoses[1].code.system:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("document.lab_results[0].reference_range_lower:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("document.medications[0].prescribed_by_account_id:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("document.notes[0].text: is required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("document.images[0].token_id:", StringComparison.Ordinal));
    }

    [Fact]
    public void Oversized_documents_are_refused()
    {
        var errors = DocumentValidator.Validate(new EhrDocument(), DocumentValidator.MaxDocumentBytes + 1);

        Assert.Contains(errors, e => e.Contains("4 MiB", StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_enum_numbers_and_lone_surrogates_are_refused()
    {
        var document = new EhrDocument { Title = "bad \ud800 title", Demographics = new Demographics { Sex = (AdministrativeSex)42 } };

        var errors = DocumentValidator.Validate(document, 10);

        Assert.Contains(errors, e => e.StartsWith("document.title:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("document.demographics.sex:", StringComparison.Ordinal));
    }
}
