namespace TenantChat.Grains;

/// <summary>
/// A grain call failed because the database could not be used. Database drivers' own exceptions cannot cross the
/// wire between a silo and its clients, so grains report the failure as this instead; the frontend answers it with
/// <c>503 unavailable</c>. Its message never holds SQL or connection details.
/// </summary>
[GenerateSerializer]
public sealed class StorageUnavailableException : Exception
{
    public StorageUnavailableException()
        : this("The database is unavailable; try again shortly.")
    {
    }

    public StorageUnavailableException(string message)
        : base(message)
    {
    }

    public StorageUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
