from careergate.cli.main import main

main()
