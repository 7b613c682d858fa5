namespace DeepPsych.Dsl.Distributed;

/// <summary>A distributed run cannot go on: the MPI library is missing or failed, ranks disagree, or another rank failed.</summary>
public sealed class DistributedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DistributedException(string message, Exception? inner = null) : base(message, inner) { }
}
