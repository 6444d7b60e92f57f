from pharmacy_desktop.cli import main

raise SystemExit(main())
