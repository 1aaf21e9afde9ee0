# The README's main job: the demo must run the article end to end and exit 0.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $demo = Join-Path $root 'src/Demo/Invoke-XenHaDemo.ps1'
}

Describe 'The demo (build.ps1 -Task Demo)' {
    It 'runs the article end to end in a fresh pwsh and exits 0' {
        Push-Location $root
        try {
            $output = & dotnet pwsh -NoProfile -NonInteractive -File $demo -ModulePath $modulePath 2>&1 | Out-String
            $exit = $LASTEXITCODE
        }
        finally {
            Pop-Location
        }
        $exit | Should -Be 0 -Because $output
        $output | Should -Match 'Demo finished'
        foreach ($step in 'New pool', 'Shared storage', 'Graceful test', 'Ungraceful test with HA', 'Guided recovery') {
            $output | Should -Match ([regex]::Escape($step))
        }
    }
}
