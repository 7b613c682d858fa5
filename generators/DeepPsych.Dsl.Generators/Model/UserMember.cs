namespace DeepPsych.Dsl.Generators.Model;

/// <summary>A member the user declares in a [Network] class that is not a layer (a field, method, nested type, …): its
/// name, what it is ("field"), and where, so that a generated member of the same name is reported on it (DPD0040).</summary>
internal sealed record UserMember(string Name, string Kind, LocationInfo? Location);
