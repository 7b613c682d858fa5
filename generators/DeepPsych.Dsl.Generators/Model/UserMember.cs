namespace DeepPsych.Dsl.Generators.Model;

/// <summary>A member of a [Network] class that is not a layer (a field, method, nested type, …, of the class or inherited
/// from a base class): its name, what it is ("your field", "the field inherited from 'B'"), and where to report a
/// generated member of the same name (DPD0040).</summary>
internal sealed record UserMember(string Name, string Kind, LocationInfo? Location);
