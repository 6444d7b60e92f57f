; Inno Setup script: the Windows installer of the one-folder app (installer/README.md, "Windows").
; Build the folder first on Windows (same spec as Linux):
;     py -3.11 -m venv .venv && .venv\Scripts\pip install -e .[dev]
;     .venv\Scripts\pyinstaller --noconfirm --clean installer\pharmacy-desktop.spec
; then compile this script from the repository's top folder:
;     "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 installer\windows\pharmacy-desktop.iss
; -> dist\installer\pharmacy-desktop-<version>-setup.exe
; The embedded database needs PostgreSQL's programs (initdb, pg_ctl): install PostgreSQL 15 or newer
; (EDB installer) first, or point the app at the pharmacy's server in the first-run wizard.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Pharmacy Desktop"
#define AppExe "pharmacy-desktop.exe"
#define Root "..\.."

[Setup]
AppId={{6F0E7C52-3B0A-4C1E-9D5C-8A1B2F7C4E11}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=pharmacy-desktop
DefaultDirName={autopf}\Pharmacy Desktop
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; a per-machine install (every counter's user); the data stays per user in %LOCALAPPDATA%\pharmacy-desktop
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#Root}\dist\installer
OutputBaseFilename=pharmacy-desktop-{#AppVersion}-setup
SetupIconFile=pharmacy-desktop.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
; the whole PyInstaller folder (pharmacy-desktop.exe and _internal\ with the package data)
Source: "{#Root}\dist\pharmacy-desktop\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"
Name: "{group}\{#AppName} self-test"; Filename: "{cmd}"; Parameters: "/k ""{app}\{#AppExe}"" --self-test"; WorkingDir: "{userdocs}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

; the user's data (embedded database, backups, configuration) is NOT removed on uninstall:
; it holds the pharmacy's records. installer/README.md says where it is.
