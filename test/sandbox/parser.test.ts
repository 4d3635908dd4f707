import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSource, SourceError } from '../../src/sandbox/parser';

const text = (t: string) => parseSource({ format: 'text', text: t });

describe('plain-English parser', () => {
  it('reads headcount, volume, per-label pay, language, experience, duration and label type', () => {
    const r = text('We need 5 annotators to label 10,000 product images with bounding boxes. Pay is $0.05 per label. English speakers only, intermediate experience. The project runs for 3 weeks.');
    assert.equal(r.format, 'text');
    assert.equal(r.fields.headcount, 5);
    assert.equal(r.fields.dataVolume, 10000);
    assert.equal(r.fields.dataVolumeUnit, 'NUMBER_OF_FILES');
    assert.equal(r.fields.dataType, 'Image');
    assert.equal(r.fields.paymentType, 'PAY_PER_LABEL');
    assert.equal(r.fields.pricePerLabel, 0.05);
    assert.deepEqual(r.fields.languages, ['English']);
    assert.equal(r.fields.experienceLevel, 'INTERMEDIATE');
    assert.equal(r.fields.projectDuration, '3 weeks');
    assert.deepEqual(r.fields.labelTypes, ['Bounding Box']);
    assert.deepEqual(r.missingFields, []);
    // No title stated: the first sentence is used and flagged.
    assert.equal(r.fields.jobTitle, 'We need 5 annotators to label 10,000 product images with bounding boxes');
    assert.deepEqual(r.lowConfidenceFields.map((f) => f.field), ['jobTitle']);
    assert.ok(r.lowConfidenceFields[0]!.confidence < 1);
  });

  it('takes a heading line as the title and reads hours of audio and an hourly rate', () => {
    const r = text('Audio transcription\nLooking for 3 native Spanish speakers to transcribe 200 hours of call-center audio. $20/hour, about 20 hours per week. Entry-level is fine. Please be punctual.');
    assert.equal(r.fields.jobTitle, 'Audio transcription');
    assert.equal(r.fields.headcount, 3);
    assert.equal(r.fields.dataVolume, 200);
    assert.equal(r.fields.dataVolumeUnit, 'HOURS_OF_RECORDING_AUDIO_VIDEO');
    assert.equal(r.fields.dataType, 'Audio');
    assert.equal(r.fields.paymentType, 'PAY_PER_HOUR');
    assert.equal(r.fields.pricePerHour, 20);
    assert.deepEqual(r.fields.languages, ['Spanish']);
    assert.equal(r.fields.timeRequirement, '20 hours per week');
    assert.equal(r.fields.experienceLevel, 'ENTRY_LEVEL');
    assert.deepEqual(r.fields.labelTypes, ['Transcription']);
    assert.deepEqual(r.lowConfidenceFields, []);
    // The sentence nothing was taken from is reported, with a preview.
    assert.deepEqual(r.unmappedFields, [{ path: 'text.sentences[3]', reason: r.unmappedFields[0]!.reason, valuePreview: 'Please be punctual.' }]);
  });

  it('reads a fixed price, "50k", countries and software, and flags guesses', () => {
    const r = text('Fixed price of $1,500 for classifying 50k tweets by sentiment. We would like to hire 2 experienced people based in the US. Use Label Studio.');
    assert.equal(r.fields.paymentType, 'FIXED_PRICE');
    assert.equal(r.fields.fixedPrice, 1500);
    assert.equal(r.fields.dataVolume, 50000);
    assert.equal(r.fields.dataVolumeUnit, 'NUMBER_OF_FILES');
    assert.equal(r.fields.headcount, 2);
    assert.deepEqual(r.fields.countries, ['US']);
    assert.equal(r.fields.labelingSoftware, 'Label Studio');
    assert.deepEqual(r.fields.labelTypes, ['Classification', 'Sentiment Analysis']);
    const low = Object.fromEntries(r.lowConfidenceFields.map((f) => [f.field, f]));
    assert.equal(low.dataVolumeUnit?.value, 'NUMBER_OF_FILES');
    assert.equal(low.experienceLevel?.value, 'INTERMEDIATE');
    for (const f of r.lowConfidenceFields) assert.ok(f.confidence > 0 && f.confidence < 1 && f.reason.length > 0);
  });

  it('reports every required field it could not find as a missingFields entry', () => {
    const r = text('Help us evaluate chatbot responses.');
    assert.deepEqual(r.missingFields.map((m) => m.field), ['paymentType', 'experienceLevel', 'dataVolumeUnit', 'headcount']);
    const exp = r.missingFields.find((m) => m.field === 'experienceLevel')!;
    assert.deepEqual(exp, {
      field: 'experienceLevel',
      label: 'Experience level',
      message: 'Experience level must be set before publishing.',
      code: 'missing_required_field',
      prompt: 'Which experience level do you need?',
      type: 'enum',
      enumValues: ['EXPERT', 'ENTRY_LEVEL', 'INTERMEDIATE', 'ANY_EXPERIENCE_LEVEL'],
      updateKeys: ['experienceLevel'],
      example: 'INTERMEDIATE',
      hint: null,
    });
    const head = r.missingFields.find((m) => m.field === 'headcount')!;
    assert.equal(head.enumValues, null);
    assert.equal(head.type, 'integer');
    assert.ok(!head.prompt.startsWith('ask:'));
    assert.ok(head.prompt.endsWith('?'));
  });

  it('asks for the rate matching the pay type when only the type is known', () => {
    const r = text('Hourly work: 4 reviewers to rate model responses, paid by the hour. 10,000 words of text. Expert level.');
    assert.equal(r.fields.paymentType, undefined);
    const r2 = parseSource({ format: 'opentrain_canonical', job: { title: 'X', description: 'Y', paymentType: 'PAY_PER_HOUR' } });
    assert.ok(r2.missingFields.some((m) => m.field === 'pricePerHour' && m.updateKeys[0] === 'pricePerHour'));
    assert.equal(r.fields.dataVolumeUnit, 'NUMBER_OF_WORDS');
    assert.equal(r.fields.experienceLevel, 'EXPERT');
    assert.equal(r.fields.headcount, 4);
  });

  it('does not read "polish" as a language or a pay rate as a volume', () => {
    const r = text('Please polish the labels of 300 images. Pay $2 per image, any experience level.');
    assert.equal(r.fields.languages, undefined);
    assert.equal(r.fields.dataVolume, 300);
    assert.equal(r.fields.pricePerLabel, 2);
    assert.equal(r.fields.experienceLevel, 'ANY_EXPERIENCE_LEVEL');
    assert.equal(r.fields.headcount, undefined);
  });

  it('is deterministic', () => {
    const t = 'Title: Medical image segmentation\n2 expert radiologists, 500 scans, $40 per hour for 2 months.';
    assert.deepEqual(text(t), text(t));
    const r = text(t);
    assert.equal(r.fields.jobTitle, 'Medical image segmentation');
    assert.equal(r.fields.subjectMatter, 'Medical');
    assert.equal(r.fields.projectDuration, '2 months');
  });
});

describe('structured sources', () => {
  it('opentrain_canonical: maps §6.2 canonical keys, reports unknown keys, fills gaps from the description', () => {
    const r = parseSource({
      format: 'opentrain_canonical',
      job: {
        title: 'Image categorisation', description: 'Sort 10,000 photos into 12 categories. 3 annotators needed.',
        paymentType: 'pay per label', rateAmount: 0.04, languages: ['English'], countries: ['Kenya', 'US'],
        labelTypes: ['Classification'], tools: ['CVAT'], experienceLevel: 'intermediate', mood: 'happy',
      },
    });
    assert.equal(r.format, 'opentrain_canonical');
    assert.equal(r.fields.jobTitle, 'Image categorisation');
    assert.equal(r.fields.paymentType, 'PAY_PER_LABEL');
    assert.equal(r.fields.pricePerLabel, 0.04);
    assert.deepEqual(r.fields.countries, ['KE', 'US']);
    assert.equal(r.fields.labelingSoftware, 'CVAT');
    assert.equal(r.fields.experienceLevel, 'INTERMEDIATE');
    assert.equal(r.fields.dataVolume, 10000);
    assert.equal(r.fields.headcount, 3);
    assert.deepEqual(r.unmappedFields, [{ path: 'job.mood', reason: 'Not a canonical job key.', valuePreview: 'happy' }]);
    assert.deepEqual(r.missingFields, []);
  });

  it('opentrain_canonical: a bad enum value or rate is unmapped, not guessed', () => {
    const r = parseSource({ format: 'opentrain_canonical', job: { title: 'T', description: 'D', experienceLevel: 'guru', rateAmount: 5 } });
    assert.equal(r.fields.experienceLevel, undefined);
    assert.deepEqual(r.unmappedFields.map((u) => u.path).sort(), ['job.experienceLevel', 'job.rateAmount']);
    assert.throws(() => parseSource({ format: 'opentrain_canonical', job: 'nope' }), SourceError);
  });

  it('schema_org_job_posting: title, HTML description, hourly baseSalary range, openings, location', () => {
    const r = parseSource({
      format: 'schema_org_job_posting',
      jsonLd: {
        '@context': 'https://schema.org', '@type': 'JobPosting',
        title: 'German speech transcription',
        description: '<p>Transcribe <b>120 hours of German audio</b>.</p><p>Native speakers, 2+ years of experience.</p>',
        baseSalary: { '@type': 'MonetaryAmount', currency: 'USD', value: { '@type': 'QuantitativeValue', minValue: 18, maxValue: 22, unitText: 'HOUR' } },
        totalJobOpenings: 6,
        applicantLocationRequirements: { '@type': 'Country', name: 'Germany' },
        datePosted: '2030-01-01',
      },
    });
    assert.equal(r.fields.jobTitle, 'German speech transcription');
    assert.ok(!r.fields.jobDescription!.includes('<'));
    assert.equal(r.fields.paymentType, 'PAY_PER_HOUR');
    assert.equal(r.fields.pricePerHour, 18);
    assert.equal(r.fields.budgetRange, '18-22 USD');
    assert.equal(r.fields.headcount, 6);
    assert.deepEqual(r.fields.countries, ['DE']);
    assert.equal(r.fields.dataVolumeUnit, 'HOURS_OF_RECORDING_AUDIO_VIDEO');
    assert.deepEqual(r.fields.languages, ['German']);
    assert.equal(r.fields.experienceLevel, 'INTERMEDIATE');
    assert.ok(r.lowConfidenceFields.some((f) => f.field === 'pricePerHour'));
    assert.deepEqual(r.unmappedFields.map((u) => u.path), ['jsonLd.datePosted']);
    assert.deepEqual(r.missingFields, []);
  });

  it('schema_org_job_posting: accepts a JSON string and rejects non-objects', () => {
    const r = parseSource({ format: 'schema_org_job_posting', jsonLd: JSON.stringify({ '@type': 'JobPosting', title: 'A', description: 'B' }) });
    assert.equal(r.fields.jobTitle, 'A');
    assert.throws(() => parseSource({ format: 'schema_org_job_posting', jsonLd: '{not json' }), SourceError);
  });

  it('indeed_xml: reads the first <job>, CDATA, salary phrase and reports other elements', () => {
    const xml = `<?xml version="1.0" encoding="utf-8"?>
<source><publisher>Acme</publisher>
  <job>
    <title><![CDATA[Bounding box annotation]]></title>
    <referencenumber>ext-42</referencenumber>
    <description><![CDATA[<p>We need 4 annotators for 5,000 street images &amp; more.</p>]]></description>
    <salary>$0.08 per label</salary>
    <experience>Entry level</experience>
    <country>Philippines</country>
  </job>
  <job><title>Second</title></job>
</source>`;
    const r = parseSource({ format: 'indeed_xml', xml });
    assert.equal(r.fields.jobTitle, 'Bounding box annotation');
    assert.equal(r.fields.paymentType, 'PAY_PER_LABEL');
    assert.equal(r.fields.pricePerLabel, 0.08);
    assert.equal(r.fields.experienceLevel, 'ENTRY_LEVEL');
    assert.deepEqual(r.fields.countries, ['PH']);
    assert.equal(r.fields.headcount, 4);
    assert.equal(r.fields.dataVolume, 5000);
    assert.deepEqual(r.unmappedFields.map((u) => u.path), ['job.referencenumber']);
    assert.ok(r.warnings.some((w) => w.includes('only the first')));
    assert.throws(() => parseSource({ format: 'indeed_xml', xml: '<source><job><title>x</job></source>' }), SourceError);
    assert.throws(() => parseSource({ format: 'indeed_xml', xml: '<source></source>' }), /no <job>/);
  });

  it('hr_xml: PositionOpening with hourly base pay, quantity, country and language', () => {
    const xml = `<PositionOpening xmlns="http://ns.hr-xml.org/2007-04-15">
  <PositionProfile>
    <PositionTitle>Arabic sentiment labeling</PositionTitle>
    <PositionFormattedDescription><Content>Label 20,000 sentences for sentiment. Expert linguists only.</Content></PositionFormattedDescription>
    <NumberToFill>8</NumberToFill>
    <RemunerationPackage><BasePay basePayType="Hourly"><BasePayAmountMin currencyID="USD">25</BasePayAmountMin></BasePay></RemunerationPackage>
    <PhysicalLocation><CountryCode>EG</CountryCode></PhysicalLocation>
    <Language><LanguageCode>ar</LanguageCode></Language>
    <PositionSchedule>Part-time</PositionSchedule>
  </PositionProfile>
</PositionOpening>`;
    const r = parseSource({ format: 'hr_xml', xml });
    assert.equal(r.fields.jobTitle, 'Arabic sentiment labeling');
    assert.equal(r.fields.headcount, 8);
    assert.equal(r.fields.paymentType, 'PAY_PER_HOUR');
    assert.equal(r.fields.pricePerHour, 25);
    assert.deepEqual(r.fields.countries, ['EG']);
    assert.deepEqual(r.fields.languages, ['Arabic']);
    assert.equal(r.fields.experienceLevel, 'EXPERT');
    assert.equal(r.fields.dataVolumeUnit, 'NUMBER_OF_FILES');
    assert.deepEqual(r.unmappedFields.map((u) => u.path), ['PositionOpening.PositionProfile.PositionSchedule']);
    assert.deepEqual(r.missingFields, []);
  });
});
