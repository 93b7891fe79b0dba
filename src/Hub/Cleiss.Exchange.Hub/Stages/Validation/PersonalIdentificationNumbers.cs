namespace Cleiss.Exchange.Hub.Stages.Validation;

/// <summary>
/// Structure and check-digit rules for personal identification numbers, per issuing country
/// (runs per message). Countries without a rule here are checked by the schema only.
/// Separators (space, dot, dash, slash) are ignored.
/// </summary>
public static class PersonalIdentificationNumbers
{
    /// <summary>True when <paramref name="country"/> has a rule here.</summary>
    public static bool HasRule(string country) => country is "FR" or "BE";

    /// <summary>Checks a PIN; countries without a rule always pass.</summary>
    public static bool IsValid(string country, string identifier)
    {
        Span<char> buffer = stackalloc char[32];
        var length = 0;
        foreach (var c in identifier)
        {
            if (c is ' ' or '.' or '-' or '/')
            {
                continue;
            }
            if (length == buffer.Length)
            {
                return false;
            }
            buffer[length++] = char.ToUpperInvariant(c);
        }
        var digits = buffer[..length];
        return country switch
        {
            "FR" => IsValidFrenchNir(digits),
            "BE" => IsValidBelgianNationalNumber(digits),
            _ => true,
        };
    }

    /// <summary>
    /// French NIR: sex (1, 2, 3, 4, 7, 8), year, month (01–12, 20–42 or 50–99 for unknown/fictitious
    /// months), department (digits, 2A or 2B), commune and order number: 13 characters, optionally
    /// followed by the key 97 − (number mod 97), with 2A read as 19 and 2B as 18.
    /// </summary>
    private static bool IsValidFrenchNir(ReadOnlySpan<char> nir)
    {
        if (nir.Length is not (13 or 15) || nir[0] is not ('1' or '2' or '3' or '4' or '7' or '8'))
        {
            return false;
        }
        if (!AllDigits(nir[1..5]) || !AllDigits(nir[7..13]))
        {
            return false;
        }
        var month = (nir[3] - '0') * 10 + (nir[4] - '0');
        if (month is 0 or (> 12 and < 20) or (> 42 and < 50))
        {
            return false;
        }
        var department = nir[5..7];
        var corsica = department is "2A" or "2B";
        if (!corsica && !AllDigits(department))
        {
            return false;
        }
        if (nir.Length == 13)
        {
            return true;
        }
        if (!AllDigits(nir[13..]))
        {
            return false;
        }
        // The 13 characters as a number, Corsica's letters replaced by 19 (2A) and 18 (2B).
        ulong number = 0;
        for (var i = 0; i < 13; i++)
        {
            if (corsica && i == 5)
            {
                number = number * 100 + (department[1] == 'A' ? 19UL : 18UL);
                i++; // the letter was consumed with its digit
                continue;
            }
            number = number * 10 + (ulong)(nir[i] - '0');
        }
        var key = (nir[13] - '0') * 10 + (nir[14] - '0');
        return key == 97 - (int)(number % 97);
    }

    /// <summary>
    /// Belgian national number: YYMMDD, a 3-digit serial and 2 check digits = 97 − (first 9 digits mod 97),
    /// or, for people born from 2000, 97 − ((2 followed by the first 9 digits) mod 97).
    /// </summary>
    private static bool IsValidBelgianNationalNumber(ReadOnlySpan<char> number)
    {
        if (number.Length != 11 || !AllDigits(number))
        {
            return false;
        }
        ulong first9 = 0;
        for (var i = 0; i < 9; i++)
        {
            first9 = first9 * 10 + (ulong)(number[i] - '0');
        }
        var check = (number[9] - '0') * 10 + (number[10] - '0');
        return check == 97 - (int)(first9 % 97) || check == 97 - (int)((2_000_000_000UL + first9) % 97);
    }

    private static bool AllDigits(ReadOnlySpan<char> span)
    {
        foreach (var c in span)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }
        return true;
    }
}
