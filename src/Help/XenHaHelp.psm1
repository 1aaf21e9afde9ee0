<#
    Reads the help pages in docs/ (platyPS v2 markdown schema) and writes the help PowerShell reads:
    en-US/XenHa.dll-Help.xml (MAML) and en-US/about_XenHa.help.txt. build.ps1 -Task Docs/Build uses it,
    and the Pester suite uses Read-XenHaHelpPage to find and run the examples. Plain line parsing: the
    schema is regular, and this runs unchanged on Windows PowerShell 5.1 and PowerShell 7.
#>
Set-StrictMode -Version 3.0

# Example markers (HTML comments: on GitHub and in Get-Help they are invisible):
#   <!-- example: not-run - <reason> -->  the example is not run against the simulator, and why
#   <!-- example: setup - <code> -->      code the example test runs first to reach the example's state
#   <!-- example: expect-error - <id>[, <id>] -->  the example shows these errors on purpose (no other)
$MarkerPattern = '^<!--\s*example:\s*(not-run|setup|expect-error)\s*-\s*(.+?)\s*-->$'

function Split-MarkdownBlock {
    # Turns markdown lines into blocks: Paragraph, Item (list item), Row (table row), Code, Comment.
    param([string[]] $Lines)
    $blocks = [System.Collections.Generic.List[object]]::new()
    $current = $null
    $code = $null
    foreach ($line in $Lines) {
        if ($null -ne $code) {
            if ($line -match '^```\s*$') { $blocks.Add($code); $code = $null }
            else { $code.Lines.Add($line) }
            continue
        }
        if ($line -match '^```(\S*)') {
            $current = $null
            $code = [pscustomobject]@{ Kind = 'Code'; Language = $Matches[1]; Lines = [System.Collections.Generic.List[string]]::new() }
            continue
        }
        $trimmed = $line.Trim()
        if ($trimmed -eq '') { $current = $null; continue }
        if ($trimmed -match '^<!--.*-->$') {
            $current = $null
            $blocks.Add([pscustomobject]@{ Kind = 'Comment'; Text = $trimmed })
            continue
        }
        if ($trimmed -match '^\|') {
            $current = $null
            if ($trimmed -notmatch '^\|[\s\-:|]+\|$') {
                $cells = $trimmed.Trim('|').Split('|') | ForEach-Object { $_.Trim() }
                $blocks.Add([pscustomobject]@{ Kind = 'Row'; Text = ($cells -join ' | ') })
            }
            continue
        }
        if ($line -match '^\s*[-*]\s+(.*)$') {
            $current = [pscustomobject]@{ Kind = 'Item'; Text = $Matches[1] }
            $blocks.Add($current)
            continue
        }
        if ($null -ne $current) { $current.Text += ' ' + $trimmed; continue }
        $current = [pscustomobject]@{ Kind = 'Paragraph'; Text = $trimmed }
        $blocks.Add($current)
    }
    if ($null -ne $code) { throw "A code block is not closed: '$($code.Lines[0])'." }
    $blocks.ToArray()
}

function ConvertTo-PlainText {
    # Inline markdown to the plain text Get-Help shows: links keep their text, emphasis and code marks go.
    param([string] $Text)
    $text = [regex]::Replace($Text, '\[([^\]]+)\]\([^)]*\)', '$1')
    $text = $text -replace '\*\*', '' -replace '`', ''
    $text -replace '\\([\\`*_{}\[\]()#+\-.!|<>])', '$1'
}

function Get-BlockParagraph {
    # The blocks as plain-text paragraphs (code blocks indented), for MAML paras and the about file.
    param($Blocks)
    foreach ($block in $Blocks) {
        switch ($block.Kind) {
            'Paragraph' { ConvertTo-PlainText $block.Text }
            'Item' { '- ' + (ConvertTo-PlainText $block.Text) }
            'Row' { ConvertTo-PlainText $block.Text }
            'Code' { ($block.Lines | ForEach-Object { '    ' + $_ }) -join [Environment]::NewLine }
        }
    }
}

function Get-MarkdownSection {
    # Splits lines at headings of the given level: an ordered map of heading text to its lines.
    param([string[]] $Lines, [int] $Level)
    $prefix = ('#' * $Level) + ' '
    $sections = [ordered]@{}
    $name = $null
    $inCode = $false
    foreach ($line in $Lines) {
        if ($line -match '^```') { $inCode = -not $inCode }
        if (-not $inCode -and $line.StartsWith($prefix)) {
            $name = $line.Substring($prefix.Length).Trim()
            $sections[$name] = [System.Collections.Generic.List[string]]::new()
            continue
        }
        if ($null -ne $name) { $sections[$name].Add($line) }
    }
    $sections
}

function Read-ParameterYaml {
    # The fields of a parameter's yaml block that the help shows.
    param([string[]] $Lines)
    $facts = [ordered]@{ Type = $null; DefaultValue = 'None'; SupportsWildcards = $false; Aliases = @(); Sets = @() }
    $sets = [System.Collections.Generic.List[object]]::new()
    $aliases = [System.Collections.Generic.List[string]]::new()
    $list = $null
    foreach ($line in $Lines) {
        if ($line -match '^(\w+):\s*(.*)$') {
            $key = $Matches[1]; $value = $Matches[2].Trim()
            $list = $null
            switch ($key) {
                'Type' { $facts.Type = $value }
                'DefaultValue' { $facts.DefaultValue = $value }
                'SupportsWildcards' { $facts.SupportsWildcards = $value -eq 'true' }
                'Aliases' { if ($value -eq '') { $list = 'Aliases' } }
                'ParameterSets' { $list = 'ParameterSets' }
            }
            continue
        }
        if ($list -eq 'Aliases' -and $line -match '^-\s+(.+)$') { $aliases.Add($Matches[1].Trim()); continue }
        if ($list -eq 'ParameterSets') {
            if ($line -match '^-\s+Name:\s*(.+)$') {
                $sets.Add([ordered]@{ Name = $Matches[1].Trim() })
            }
            elseif ($line -match '^\s+(\w+):\s*(.+)$' -and $sets.Count -gt 0) {
                $sets[$sets.Count - 1][$Matches[1]] = $Matches[2].Trim()
            }
        }
    }
    $facts.Aliases = $aliases.ToArray()
    $facts.Sets = @($sets | ForEach-Object {
            [pscustomobject]@{
                Name                            = $_.Name
                Position                        = $_.Position
                IsRequired                      = $_.IsRequired -eq 'true'
                ValueFromPipeline               = $_.ValueFromPipeline -eq 'true'
                ValueFromPipelineByPropertyName = $_.ValueFromPipelineByPropertyName -eq 'true'
            }
        })
    [pscustomobject] $facts
}

function Read-TypedSection {
    # INPUTS and OUTPUTS: one entry per "### Type" heading with its description blocks.
    param([string[]] $Lines)
    $types = Get-MarkdownSection -Lines $Lines -Level 3
    foreach ($type in $types.Keys) {
        [pscustomobject]@{ Type = $type; Blocks = @(Split-MarkdownBlock $types[$type]) }
    }
}

function Read-XenHaHelpPage {
    <#
        Reads one cmdlet page into an object: Name, Synopsis, Description, Parameters, Examples, Inputs,
        Outputs, Notes, Links. Each example has Title, Code (its powershell blocks joined; other blocks,
        such as sample output, belong to Remarks), NotRun (the reason of a not-run marker, or $null),
        ExpectError (the error id it shows on purpose, or $null) and Setup (the code of its setup markers).
    #>
    param([Parameter(Mandatory)] [string] $Path)
    $lines = [System.IO.File]::ReadAllLines($Path)
    $sections = Get-MarkdownSection -Lines $lines -Level 2
    $title = $lines | Where-Object { $_ -match '^# \S' } | Select-Object -First 1
    if (-not $title) { throw "$Path has no '# <cmdlet>' title." }
    foreach ($required in 'SYNOPSIS', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS') {
        if (-not $sections.Contains($required)) { throw "$Path has no '## $required' section." }
    }

    $parameters = foreach ($entry in (Get-MarkdownSection -Lines $sections['PARAMETERS'] -Level 3).GetEnumerator()) {
        if ($entry.Key -notmatch '^-(\S+)$') { continue }
        $name = $Matches[1]
        $blocks = @(Split-MarkdownBlock $entry.Value)
        $yaml = $blocks | Where-Object { $_.Kind -eq 'Code' -and $_.Language -eq 'yaml' } | Select-Object -First 1
        if (-not $yaml) { throw "$Path`: parameter -$name has no yaml block." }
        $facts = Read-ParameterYaml $yaml.Lines
        [pscustomobject]@{
            Name              = $name
            Description       = @($blocks | Where-Object { $_.Kind -ne 'Code' })
            Type              = $facts.Type
            DefaultValue      = $facts.DefaultValue
            SupportsWildcards = $facts.SupportsWildcards
            Aliases           = $facts.Aliases
            Sets              = $facts.Sets
        }
    }

    $examples = foreach ($entry in (Get-MarkdownSection -Lines $sections['EXAMPLES'] -Level 3).GetEnumerator()) {
        $blocks = @(Split-MarkdownBlock $entry.Value)
        $notRun = $null
        $expectError = $null
        $setup = @()
        foreach ($comment in ($blocks | Where-Object Kind -EQ 'Comment')) {
            if ($comment.Text -notmatch $MarkerPattern) { throw "$Path, $($entry.Key): unknown marker '$($comment.Text)'." }
            switch ($Matches[1]) {
                'not-run' { $notRun = $Matches[2] }
                'expect-error' { $expectError = $Matches[2] }
                'setup' { $setup += $Matches[2] }
            }
        }
        $isCode = { $_.Kind -eq 'Code' -and $_.Language -eq 'powershell' }
        [pscustomobject]@{
            Title       = $entry.Key
            Code        = @($blocks | Where-Object $isCode | ForEach-Object { $_.Lines -join "`n" }) -join "`n"
            Remarks     = @($blocks | Where-Object { -not (& $isCode) -and $_.Kind -ne 'Comment' })
            NotRun      = $notRun
            ExpectError = $expectError
            Setup       = $setup -join "`n"
        }
    }

    $links = foreach ($line in $sections['RELATED LINKS']) {
        if ($line -match '^\s*-\s*\[([^\]]+)\]\(([^)]*)\)') {
            [pscustomobject]@{ Text = $Matches[1]; Uri = $(if ($Matches[2] -match '^https?://') { $Matches[2] } else { '' }) }
        }
    }

    [pscustomobject]@{
        Name        = $title.Substring(2).Trim()
        Synopsis    = @(Split-MarkdownBlock $sections['SYNOPSIS'])
        Description = @(Split-MarkdownBlock $sections['DESCRIPTION'])
        Parameters  = @($parameters)
        Examples    = @($examples)
        Inputs      = @(Read-TypedSection $sections['INPUTS'])
        Outputs     = @(Read-TypedSection $sections['OUTPUTS'])
        Notes       = @(Split-MarkdownBlock $sections['NOTES'])
        Links       = @($links)
    }
}

$Maml = 'http://schemas.microsoft.com/maml/2004/10'
$Command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$Dev = 'http://schemas.microsoft.com/maml/dev/2004/10'

function Write-Para {
    param([System.Xml.XmlWriter] $Writer, $Blocks, [string] $Element = 'description')
    $Writer.WriteStartElement('maml', $Element, $Maml)
    foreach ($para in (Get-BlockParagraph $Blocks)) { $Writer.WriteElementString('maml', 'para', $Maml, $para) }
    $Writer.WriteEndElement()
}

function Get-ShortTypeName {
    param([string] $Type)
    $Type -replace '^.*\.', ''
}

function Get-PipelineText {
    param($Set)
    $kinds = @()
    if ($Set.ValueFromPipelineByPropertyName) { $kinds += 'ByPropertyName' }
    if ($Set.ValueFromPipeline) { $kinds += 'ByValue' }
    if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' }
}

function Write-Parameter {
    # One command:parameter; $Set gives the set-specific facts (required, position, pipeline).
    param([System.Xml.XmlWriter] $Writer, $Parameter, $Set, [switch] $InSyntax)
    $isSwitch = $Parameter.Type -eq 'System.Management.Automation.SwitchParameter'
    $Writer.WriteStartElement('command', 'parameter', $Command)
    $Writer.WriteAttributeString('required', $Set.IsRequired.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', $Parameter.Type.EndsWith('[]').ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('globbing', $Parameter.SupportsWildcards.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('pipelineInput', (Get-PipelineText $Set))
    $position = if ($Set.Position -match '^\d+$') { $Set.Position } else { 'named' }
    $Writer.WriteAttributeString('position', $position)
    $Writer.WriteAttributeString('aliases', $(if ($Parameter.Aliases) { $Parameter.Aliases -join ', ' } else { 'none' }))
    $Writer.WriteElementString('maml', 'name', $Maml, $Parameter.Name)
    if (-not $InSyntax) { Write-Para $Writer $Parameter.Description }
    if (-not ($InSyntax -and $isSwitch)) {
        $Writer.WriteStartElement('command', 'parameterValue', $Command)
        $Writer.WriteAttributeString('required', (-not $isSwitch).ToString().ToLowerInvariant())
        $Writer.WriteAttributeString('variableLength', 'false')
        $Writer.WriteString((Get-ShortTypeName $Parameter.Type))
        $Writer.WriteEndElement()
    }
    $Writer.WriteStartElement('dev', 'type', $Dev)
    $Writer.WriteElementString('maml', 'name', $Maml, $Parameter.Type)
    $Writer.WriteEndElement()
    $Writer.WriteElementString('dev', 'defaultValue', $Dev, $Parameter.DefaultValue)
    $Writer.WriteEndElement()
}

function Get-SyntaxSet {
    # The parameter sets of a page: each with its parameters, positional ones first in position order.
    param($Page)
    $names = @($Page.Parameters | ForEach-Object { $_.Sets } | ForEach-Object Name | Where-Object { $_ -ne '(All)' } | Select-Object -Unique)
    if (-not $names) { $names = @('(All)') }
    foreach ($setName in $names) {
        $members = foreach ($parameter in $Page.Parameters) {
            $set = $parameter.Sets | Where-Object { $_.Name -eq $setName -or $_.Name -eq '(All)' } | Select-Object -First 1
            if ($set) {
                $order = if ($set.Position -match '^\d+$') { [int] $set.Position } elseif ($parameter.Name -in 'WhatIf', 'Confirm') { 3000 }
                elseif ($set.IsRequired) { 1000 } else { 2000 }
                [pscustomobject]@{ Parameter = $parameter; Set = $set; Order = $order }
            }
        }
        [pscustomobject]@{ Name = $setName; Members = @($members | Sort-Object Order, { $_.Parameter.Name }) }
    }
}

function Write-CommandHelp {
    param([System.Xml.XmlWriter] $Writer, $Page)
    $verb, $noun = $Page.Name.Split('-', 2)
    $Writer.WriteStartElement('command', 'command', $Command)
    $Writer.WriteAttributeString('xmlns', 'maml', $null, $Maml)
    $Writer.WriteAttributeString('xmlns', 'dev', $null, $Dev)

    $Writer.WriteStartElement('command', 'details', $Command)
    $Writer.WriteElementString('command', 'name', $Command, $Page.Name)
    $Writer.WriteElementString('command', 'verb', $Command, $verb)
    $Writer.WriteElementString('command', 'noun', $Command, $noun)
    Write-Para $Writer $Page.Synopsis
    $Writer.WriteEndElement()

    Write-Para $Writer $Page.Description

    $Writer.WriteStartElement('command', 'syntax', $Command)
    foreach ($set in (Get-SyntaxSet $Page)) {
        $Writer.WriteStartElement('command', 'syntaxItem', $Command)
        $Writer.WriteElementString('maml', 'name', $Maml, $Page.Name)
        foreach ($member in $set.Members) { Write-Parameter $Writer $member.Parameter $member.Set -InSyntax }
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'parameters', $Command)
    foreach ($parameter in $Page.Parameters) {
        # The parameters section shows one set's facts; the first set is the one platyPS shows too.
        Write-Parameter $Writer $parameter $parameter.Sets[0]
    }
    $Writer.WriteEndElement()

    foreach ($kind in @(@('inputTypes', 'inputType', $Page.Inputs), @('returnValues', 'returnValue', $Page.Outputs))) {
        $Writer.WriteStartElement('command', $kind[0], $Command)
        foreach ($entry in $kind[2]) {
            $Writer.WriteStartElement('command', $kind[1], $Command)
            $Writer.WriteStartElement('dev', 'type', $Dev)
            $Writer.WriteElementString('maml', 'name', $Maml, $entry.Type)
            $Writer.WriteEndElement()
            Write-Para $Writer $entry.Blocks
            $Writer.WriteEndElement()
        }
        $Writer.WriteEndElement()
    }

    $Writer.WriteStartElement('maml', 'alertSet', $Maml)
    Write-Para $Writer $Page.Notes -Element 'alert'
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'examples', $Command)
    foreach ($example in $Page.Examples) {
        $Writer.WriteStartElement('command', 'example', $Command)
        $Writer.WriteElementString('maml', 'title', $Maml, "---------- $($example.Title) ----------")
        $Writer.WriteElementString('dev', 'code', $Dev, $example.Code)
        $Writer.WriteStartElement('dev', 'remarks', $Dev)
        foreach ($para in (Get-BlockParagraph $example.Remarks)) { $Writer.WriteElementString('maml', 'para', $Maml, $para) }
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'relatedLinks', $Command)
    foreach ($link in $Page.Links) {
        $Writer.WriteStartElement('maml', 'navigationLink', $Maml)
        $Writer.WriteElementString('maml', 'linkText', $Maml, $link.Text)
        $Writer.WriteElementString('maml', 'uri', $Maml, $link.Uri)
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteEndElement()
}

function ConvertTo-XenHaMaml {
    # Writes the MAML file for every page in $PagePath.
    param([Parameter(Mandatory)] [string] $PagePath, [Parameter(Mandatory)] [string] $OutFile)
    $settings = [System.Xml.XmlWriterSettings]::new()
    $settings.Indent = $true
    $settings.Encoding = [System.Text.UTF8Encoding]::new($false)
    $writer = [System.Xml.XmlWriter]::Create($OutFile, $settings)
    try {
        $writer.WriteStartDocument()
        $writer.WriteStartElement('helpItems', 'http://msh')
        $writer.WriteAttributeString('schema', 'maml')
        foreach ($file in (Get-ChildItem -Path $PagePath -Filter '*.md' | Sort-Object Name)) {
            Write-CommandHelp $writer (Read-XenHaHelpPage $file.FullName)
        }
        $writer.WriteEndElement()
        $writer.WriteEndDocument()
    }
    finally {
        $writer.Dispose()
    }
}

function ConvertTo-XenHaAboutText {
    # about_*.md to the plain-text layout of about_*.help.txt: headings flush left, text indented.
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [string] $OutFile)
    $lines = [System.IO.File]::ReadAllLines($Path)
    $out = [System.Collections.Generic.List[string]]::new()
    $sections = Get-MarkdownSection -Lines $lines -Level 2
    foreach ($section in $sections.GetEnumerator()) {
        $out.Add($section.Key.ToUpperInvariant())
        $parts = [ordered]@{ '' = [System.Collections.Generic.List[string]]::new() }
        $sub = ''
        $inCode = $false
        foreach ($line in $section.Value) {
            if ($line -match '^```') { $inCode = -not $inCode }
            if (-not $inCode -and $line -match '^### (.+)$') { $sub = $Matches[1]; $parts[$sub] = [System.Collections.Generic.List[string]]::new(); continue }
            $parts[$sub].Add($line)
        }
        foreach ($part in $parts.GetEnumerator()) {
            if ($part.Key) { $out.Add('  ' + $part.Key.ToUpperInvariant()) }
            foreach ($para in (Get-BlockParagraph (Split-MarkdownBlock $part.Value))) {
                foreach ($textLine in (Format-Wrapped -Text $para -Indent 4)) { $out.Add($textLine) }
                $out.Add('')
            }
        }
        if ($out[$out.Count - 1] -ne '') { $out.Add('') }
    }
    [System.IO.File]::WriteAllLines($OutFile, $out, [System.Text.UTF8Encoding]::new($false))
}

function Format-Wrapped {
    # Wraps a paragraph at 80 columns; code (already indented, multi-line) keeps its lines.
    param([string] $Text, [int] $Indent)
    $pad = ' ' * $Indent
    if ($Text.Contains("`n")) { return $Text.Split("`n") | ForEach-Object { $pad + $_.TrimEnd("`r") } }
    if ($Text.StartsWith('    ')) { return $pad + $Text }
    $line = ''
    foreach ($word in $Text.Split(' ')) {
        if ($line -and ($pad.Length + $line.Length + 1 + $word.Length) -gt 80) { $pad + $line; $line = $word }
        elseif ($line) { $line += ' ' + $word }
        else { $line = $word }
    }
    if ($line) { $pad + $line }
}

function Export-XenHaHelp {
    # The whole help of the module: MAML and the about topic into <ModuleBase>/en-US.
    param([Parameter(Mandatory)] [string] $DocsPath, [Parameter(Mandatory)] [string] $ModuleBase)
    $culture = Join-Path $ModuleBase 'en-US'
    New-Item -ItemType Directory -Force -Path $culture | Out-Null
    ConvertTo-XenHaMaml -PagePath (Join-Path $DocsPath 'XenHa') -OutFile (Join-Path $culture 'XenHa.dll-Help.xml')
    ConvertTo-XenHaAboutText -Path (Join-Path $DocsPath 'about_XenHa.md') -OutFile (Join-Path $culture 'about_XenHa.help.txt')
}

Export-ModuleMember -Function Read-XenHaHelpPage, Export-XenHaHelp, ConvertTo-XenHaMaml, ConvertTo-XenHaAboutText
