// The emulator's test fixture lives with its tests in the emulator package (emulator/test/); tool tests
// that want the same small organization import it from here.
export { BASE, EXT, readerCredentials, smallScenario } from '../../emulator/test/fixture.js';
