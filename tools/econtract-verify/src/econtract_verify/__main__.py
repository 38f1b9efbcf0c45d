from econtract_verify.cli import main

raise SystemExit(main())
