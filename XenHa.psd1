@{
    # The cmdlets only: the DSC resources are the companion module XenHaDsc (src/XenHa.Dsc/).
    RootModule             = 'XenHa.dll'
    ModuleVersion          = '0.1.0'
    GUID                   = '5b0f3c59-6f8e-4a57-9d39-2f7c1b8e4a21'
    Author                 = 'XenHa contributors'
    CompanyName            = 'XenHa'
    Copyright              = '(c) XenHa contributors. MIT licence.'
    Description            = 'Build and run highly available XenServer / XCP-ng pools from PowerShell, with a faithful XenAPI simulator for tests and runbooks.'
    PowerShellVersion      = '5.1'
    CompatiblePSEditions   = @('Desktop', 'Core')
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess       = @('XenHa.Format.ps1xml')
    CmdletsToExport        = @(
        'Connect-XenPool'
        'Disconnect-XenPool'
        'Get-XenConnection'
        'Get-XenPool'
        'New-XenPool'
        'Add-XenPoolMember'
        'Remove-XenPoolMember'
        'Set-XenPool'
        'Get-XenHost'
        'Suspend-XenHost'
        'Resume-XenHost'
        'Restart-XenHost'
        'Stop-XenHost'
        'Get-XenRepository'
        'New-XenNfsRepository'
        'New-XenIscsiRepository'
        'Find-XenIscsiTarget'
        'New-XenIsoLibrary'
        'Remove-XenRepository'
        'Get-XenNetwork'
        'Get-XenVM'
        'Get-XenTemplate'
        'New-XenVM'
        'Set-XenVM'
        'Remove-XenVM'
        'Start-XenVM'
        'Stop-XenVM'
        'Restart-XenVM'
        'Suspend-XenVM'
        'Resume-XenVM'
        'Move-XenVM'
        'Export-XenVM'
        'Import-XenVM'
        'Get-XenHa'
        'Enable-XenHa'
        'Disable-XenHa'
        'Protect-XenVM'
        'Unprotect-XenVM'
        'Test-XenHaPlan'
        'Repair-XenPool'
        'Get-XenTask'
        'Wait-XenTask'
        'Stop-XenTask'
        'Invoke-XenApi'
        'Get-XenConfiguration'
        'Set-XenConfiguration'
        'Start-XenSimulator'
        'Stop-XenSimulator'
        'Get-XenSimulatorState'
        'Stop-XenSimulatorHost'
        'Start-XenSimulatorHost'
        'Add-XenSimulatorFault'
        'Get-XenSimulatorFault'
        'Remove-XenSimulatorFault'
    )
    FunctionsToExport      = @()
    VariablesToExport      = @()
    AliasesToExport        = @()
    PrivateData            = @{
        PSData = @{
            Tags       = @('XenServer', 'XCP-ng', 'XenAPI', 'HA', 'Virtualization', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux')
            LicenseUri = 'https://opensource.org/licenses/MIT'
        }
    }
}
