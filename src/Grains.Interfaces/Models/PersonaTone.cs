namespace TenantChat.Grains.Models;

/// <summary>How the assistant speaks; named in lower case in the API (<see cref="PersonaTones"/>).</summary>
[GenerateSerializer]
public enum PersonaTone
{
    Professional,
    Friendly,
    Formal,
    Casual,
}

/// <summary>The API's names of tones, one place for every layer.</summary>
public static class PersonaTones
{
    public static string Of(PersonaTone tone) => tone switch
    {
        PersonaTone.Friendly => "friendly",
        PersonaTone.Formal => "formal",
        PersonaTone.Casual => "casual",
        _ => "professional",
    };

    public static PersonaTone? Parse(string? name) => name switch
    {
        "professional" => PersonaTone.Professional,
        "friendly" => PersonaTone.Friendly,
        "formal" => PersonaTone.Formal,
        "casual" => PersonaTone.Casual,
        _ => null,
    };
}
