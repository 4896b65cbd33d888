// `corral cli`: zkCli's commands (in progress, issue 4).
