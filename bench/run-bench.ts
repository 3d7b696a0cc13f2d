// How a bench that seeds a schema of its own ends: the schema dropped after the run, or after a failure, unless the
// run was asked to keep it for the next one (--keep).
export function runBench(main: () => Promise<void>, options: { keep: boolean | undefined; schema: string; dropSchema(): Promise<void> }): void {
  main()
    .then(async () => {
      if (!options.keep) {
        await options.dropSchema();
        console.log(`schema ${options.schema} dropped`);
      }
    })
    .catch(async (error) => {
      console.error(error);
      if (!options.keep) await options.dropSchema().catch(() => {});
      process.exit(1);
    });
}
