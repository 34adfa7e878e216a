from mlpilot.cli.app import main

main()
