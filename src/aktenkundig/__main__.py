from aktenkundig.cli import main

main()
