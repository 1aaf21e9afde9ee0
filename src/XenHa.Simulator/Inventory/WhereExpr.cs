using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using XenHa.Simulator.Protocol;

namespace XenHa.Simulator.Inventory;

/// <summary>
/// get_all_records_where expressions (reference §3.2): value "=" value, and, or, not, true, false,
/// parentheses; value := "literal" | field "name". Comparison is on the DB representation.
/// </summary>
internal abstract class WhereExpr
{
    public abstract bool Eval(Func<string, string> field);

    public static WhereExpr Parse(string text)
    {
        var p = new Parser(Lex(text));
        var e = p.Or();
        if (!p.AtEnd) throw new FormatException("Parse error: unexpected token " + p.PeekText);
        return e;
    }

    /// <summary>The DB representation of a field's value (bools "true"/"false", ints decimal, sets/maps as S-expressions).</summary>
    public static string DbText(object? v) => v switch
    {
        null => "",
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        double d => OcamlFloat(d),
        DateTime dt => Wire.FormatDate(dt),
        List<object?> l => "(" + string.Join(" ", l.Select(x => "'" + DbText(x) + "'")) + ")",
        Dictionary<string, object?> m => "(" + string.Join(" ", m.Select(kv => "('" + kv.Key + "' '" + DbText(kv.Value) + "')")) + ")",
        _ => v.ToString() ?? "",
    };

    private static string OcamlFloat(double d)
    {
        var s = d.ToString("G12", CultureInfo.InvariantCulture);
        return s.Contains('.') || s.Contains('E') ? s : s + ".";
    }

    private enum Tok { Str, Ident, LParen, RParen, Eq }

    private static List<(Tok Kind, string Text)> Lex(string s)
    {
        var list = new List<(Tok, string)>();
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == '(') { list.Add((Tok.LParen, "(")); i++; continue; }
            if (c == ')') { list.Add((Tok.RParen, ")")); i++; continue; }
            if (c == '=') { list.Add((Tok.Eq, "=")); i++; continue; }
            if (c == '"')
            {
                var end = s.IndexOf('"', i + 1);
                if (end < 0) throw new FormatException("Lexing error: unterminated string");
                list.Add((Tok.Str, s.Substring(i + 1, end - i - 1)));
                i = end + 1;
                continue;
            }

            if (char.IsLetter(c))
            {
                var sb = new StringBuilder();
                while (i < s.Length && char.IsLetter(s[i])) sb.Append(s[i++]);
                list.Add((Tok.Ident, sb.ToString()));
                continue;
            }

            throw new FormatException($"Lexing error: unexpected character '{c}'");
        }

        return list;
    }

    private sealed class Parser
    {
        private readonly List<(Tok Kind, string Text)> _toks;
        private int _pos;

        public Parser(List<(Tok, string)> toks) => _toks = toks;

        public bool AtEnd => _pos >= _toks.Count;
        public string PeekText => AtEnd ? "<end>" : _toks[_pos].Text;

        private bool IsWord(string w) => !AtEnd && _toks[_pos].Kind == Tok.Ident && _toks[_pos].Text == w;

        private (Tok Kind, string Text) Next() => AtEnd ? throw new FormatException("Parse error: unexpected end") : _toks[_pos++];

        public WhereExpr Or()
        {
            var l = And();
            while (IsWord("or")) { _pos++; l = new Bin(l, And(), false); }
            return l;
        }

        private WhereExpr And()
        {
            var l = Unary();
            while (IsWord("and")) { _pos++; l = new Bin(l, Unary(), true); }
            return l;
        }

        private WhereExpr Unary()
        {
            if (IsWord("not")) { _pos++; return new Not(Unary()); }
            if (IsWord("true")) { _pos++; return new Const(true); }
            if (IsWord("false")) { _pos++; return new Const(false); }
            if (!AtEnd && _toks[_pos].Kind == Tok.LParen)
            {
                _pos++;
                var e = Or();
                if (Next().Kind != Tok.RParen) throw new FormatException("Parse error: expected )");
                return e;
            }

            var left = Value();
            if (Next().Kind != Tok.Eq) throw new FormatException("Parse error: expected =");
            return new Eq(left, Value());
        }

        private Operand Value()
        {
            var t = Next();
            if (t.Kind == Tok.Str) return new Operand(false, t.Text);
            if (t.Kind == Tok.Ident && t.Text == "field")
            {
                var n = Next();
                if (n.Kind != Tok.Str) throw new FormatException("Parse error: expected field name");
                return new Operand(true, n.Text);
            }

            throw new FormatException("Parse error: unexpected token " + t.Text);
        }
    }

    private sealed record Operand(bool IsField, string Text)
    {
        public string Get(Func<string, string> field) => IsField ? field(Text) : Text;
    }

    private sealed class Const(bool v) : WhereExpr
    {
        public override bool Eval(Func<string, string> field) => v;
    }

    private sealed class Not(WhereExpr e) : WhereExpr
    {
        public override bool Eval(Func<string, string> field) => !e.Eval(field);
    }

    private sealed class Bin(WhereExpr l, WhereExpr r, bool and) : WhereExpr
    {
        public override bool Eval(Func<string, string> field) => and ? l.Eval(field) && r.Eval(field) : l.Eval(field) || r.Eval(field);
    }

    private sealed class Eq(Operand l, Operand r) : WhereExpr
    {
        public override bool Eval(Func<string, string> field) => l.Get(field) == r.Get(field);
    }
}
