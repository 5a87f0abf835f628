import { loadCatalogue } from '../../src/config/catalogue-schema.js'
import { loadIntentModel } from '../../src/config/load-intent-model.js'
import { loadLexicon } from '../../src/config/lexicon-schema.js'
import { loadSignals } from '../../src/config/signals-schema.js'
import { compileLexicon, type UnderstandingKit } from '../../src/domain/understanding/index.js'
import { compileSignals } from '../../src/domain/understanding/risk-signals.js'

/** The understanding kit of the shipped config (lexicon, signals, catalogue, trained model). */
export function shippedKit(timeZone = 'Asia/Shanghai'): UnderstandingKit {
  return {
    lexicon: compileLexicon(loadLexicon('config/lexicon.yaml')),
    signals: compileSignals(loadSignals('config/understanding/signals.yaml')),
    catalogue: loadCatalogue('config/understanding/catalogue.yaml'),
    model: loadIntentModel('config/understanding/intent-model.json'),
    timeZone,
  }
}
