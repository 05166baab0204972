namespace TenantChat.FaultSuite;

/// <summary>Named pass/fail checks and the facts measured along the way, printed as they come and summed up at the end.</summary>
public sealed class Report
{
    private readonly List<(string Scenario, string Name, bool Passed, string Detail)> _checks = [];
    private string _scenario = "setup";

    public int Passed => _checks.Count(check => check.Passed);

    public int Failed => _checks.Count(check => !check.Passed);

    public void BeginScenario(string title)
    {
        _scenario = title;
        Console.WriteLine();
        Console.WriteLine($"== {title}");
    }

    /// <summary>A measurement that is reported, not asserted.</summary>
    public static void Info(string text) => Console.WriteLine($"   {text}");

    public bool Check(string name, bool passed, string detail)
    {
        _checks.Add((_scenario, name, passed, detail));
        Console.WriteLine($"   [{(passed ? "PASS" : "FAIL")}] {name}: {detail}");
        return passed;
    }

    public void PrintSummary(TimeSpan elapsed)
    {
        Console.WriteLine();
        Console.WriteLine($"== Summary ({elapsed.TotalSeconds:0} s)");
        foreach (var group in _checks.GroupBy(check => check.Scenario))
        {
            Console.WriteLine($"   {group.Key}");
            foreach (var check in group)
            {
                Console.WriteLine($"     {(check.Passed ? "pass" : "FAIL")}  {check.Name}");
            }
        }
        // The last line is read by scripts/test.sh; keep its shape.
        Console.WriteLine($"fault suite: {Passed} passed, {Failed} failed");
    }
}
